import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SuggestionPublic } from '../api/client'
import { renderWith, stubFetch } from '../test/render'
import { initialKept, SuggestionCard } from './SuggestionCard'

const SUGGESTION: SuggestionPublic = {
  message_id: 'm-1',
  conversation_id: 'c-1',
  inbound_message_id: 'i-1',
  created_at: '2026-12-01T10:00:00Z',
  text: 'Siparişiniz iptal edilecek.',
  entities: [],
  agent: 'support',
  reason: 'automation_off',
  handoff: false,
  newer_inbound: 0,
  actions: [
    {
      id: 'a-1',
      kind: 'cancel_request',
      summary: 'Cancellation request for order: 10654400003',
      fields: { order_number: '10654400003' },
      status: 'pending',
      result: null,
    },
    {
      id: 'a-2',
      kind: 'coupon',
      summary: 'Coupon GERI10 (%10, changed_mind)',
      fields: { code: 'GERI10', percent: 10, reason: 'changed_mind' },
      status: 'pending',
      result: null,
    },
    { id: 'a-3', kind: 'lead', summary: 'old', fields: { company: 'Acme' }, status: 'committed', result: null },
  ],
}

const DECIDED = { message_id: 'm-1', decision: 'accepted', status: 'queued', edit_distance: 0, actions: [], newer_inbound: 0 }

afterEach(() => vi.unstubAllGlobals())

describe('SuggestionCard', () => {
  it('keeps every pending action by default', () => {
    expect([...initialKept(SUGGESTION)]).toEqual(['a-1', 'a-2'])
  })

  it('accepts in one click with all actions', async () => {
    const calls = stubFetch(() => [200, DECIDED])
    const onDecided = vi.fn()
    renderWith(<SuggestionCard suggestion={SUGGESTION} onDecided={onDecided} />)
    expect(screen.getByText('otomasyon kapalı', { exact: false })).toBeInTheDocument()
    // The pending actions read in Turkish, not as the API's codes and English summaries.
    expect(screen.getByRole('checkbox', { name: 'İptal 10654400003 numaralı sipariş için iptal talebi' })).toBeChecked()
    expect(screen.getByRole('checkbox', { name: 'Kupon GERI10 kuponu (%10, vazgeçti)' })).toBeChecked()
    expect(screen.queryByText(/cancel_request|Cancellation/)).toBeNull()
    expect(screen.getByText('Destek asistanı')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: /Kabul et ve gönder/ }))
    await waitFor(() => expect(onDecided).toHaveBeenCalled())
    expect(calls).toEqual([
      { method: 'POST', path: '/api/suggestions/m-1/accept', body: { confirm_newer: false } },
    ])
  })

  it('accepting with an unticked action sends the text with only the kept ones', async () => {
    const calls = stubFetch(() => [200, DECIDED])
    renderWith(<SuggestionCard suggestion={SUGGESTION} />)
    await userEvent.click(screen.getByRole('checkbox', { name: /GERI10 kuponu/ }))
    await userEvent.click(screen.getByRole('button', { name: /Kabul et ve gönder/ }))
    await waitFor(() => expect(calls).toHaveLength(1))
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/api/suggestions/m-1/send',
      body: {
        text: SUGGESTION.text,
        keep_actions: ['a-1'],
        confirm_newer: false,
        confirm_pii: false,
      },
    })
  })

  it('on 409 newer_messages warns, then sends anyway with confirm_newer', async () => {
    const calls = stubFetch((_call, index) =>
      index === 0
        ? [409, { code: 'newer_messages', detail: 'newer', newer_messages: 2 }]
        : [200, DECIDED],
    )
    const onDecided = vi.fn()
    renderWith(<SuggestionCard suggestion={SUGGESTION} onDecided={onDecided} />)
    await userEvent.click(screen.getByRole('button', { name: /Kabul et ve gönder/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent('2 mesaj daha yazdı')
    expect(onDecided).not.toHaveBeenCalled()
    await userEvent.click(screen.getByRole('button', { name: 'Yine de gönder' }))
    await waitFor(() => expect(onDecided).toHaveBeenCalled())
    expect(calls[1].body).toEqual({ confirm_newer: true })
  })

  it('edits, drops an action, and confirms PII on 409 confirm_pii', async () => {
    const calls = stubFetch((_call, index) =>
      index === 0 ? [409, { code: 'confirm_pii', detail: 'IBAN' }] : [200, DECIDED],
    )
    const onDecided = vi.fn()
    renderWith(<SuggestionCard suggestion={SUGGESTION} onDecided={onDecided} />)
    await userEvent.click(screen.getByRole('button', { name: /Düzenle/ }))
    const editor = screen.getByRole('textbox', { name: 'Düzenle' })
    expect(editor).toHaveFocus()
    await userEvent.clear(editor)
    await userEvent.type(editor, 'IBAN TR00 gönderiyorum')
    await userEvent.click(screen.getByRole('checkbox', { name: /iptal talebi/ }))
    await userEvent.click(screen.getByRole('button', { name: 'Düzenlenmişi gönder' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('hassas veri')
    await userEvent.click(screen.getByRole('button', { name: 'Yine de gönder' }))
    await waitFor(() => expect(onDecided).toHaveBeenCalled())
    expect(calls.map((c) => c.body)).toEqual([
      { text: 'IBAN TR00 gönderiyorum', keep_actions: ['a-2'], confirm_newer: false, confirm_pii: false },
      { text: 'IBAN TR00 gönderiyorum', keep_actions: ['a-2'], confirm_newer: false, confirm_pii: true },
    ])
  })

  it('rejects only with a reason', async () => {
    const calls = stubFetch(() => [200, { ...DECIDED, decision: 'rejected', status: 'rejected' }])
    const onDecided = vi.fn()
    renderWith(<SuggestionCard suggestion={SUGGESTION} onDecided={onDecided} />)
    await userEvent.click(screen.getByRole('button', { name: /Reddet/ }))
    await userEvent.click(screen.getByRole('button', { name: 'Reddet' }))
    expect(calls).toHaveLength(0)
    await userEvent.type(screen.getByRole('textbox', { name: 'Reddetme nedeni' }), 'yanlış sipariş{Enter}')
    await waitFor(() => expect(onDecided).toHaveBeenCalled())
    expect(calls).toEqual([
      { method: 'POST', path: '/api/suggestions/m-1/reject', body: { reason: 'yanlış sipariş' } },
    ])
  })

  it('answers the a/e/r shortcuts only when active', async () => {
    const calls = stubFetch(() => [200, DECIDED])
    const { rerender } = renderWith(<SuggestionCard suggestion={SUGGESTION} />)
    window.dispatchEvent(new CustomEvent('invekto:shortcut', { detail: 'a' }))
    expect(calls).toHaveLength(0)
    rerender(<SuggestionCard suggestion={SUGGESTION} active />)
    window.dispatchEvent(new CustomEvent('invekto:shortcut', { detail: 'a' }))
    await waitFor(() => expect(calls).toHaveLength(1))
    expect(calls[0].path).toBe('/api/suggestions/m-1/accept')
  })

  it('says so when someone else decided first', async () => {
    stubFetch(() => [409, { detail: { code: 'already_decided', detail: 'already queued' } }])
    renderWith(<SuggestionCard suggestion={SUGGESTION} />)
    await userEvent.click(screen.getByRole('button', { name: /Kabul et ve gönder/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent('zaten karara bağlanmış')
  })
})
