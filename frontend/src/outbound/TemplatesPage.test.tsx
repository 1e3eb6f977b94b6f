import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAs } from './testing'
import { TemplatesPage } from './TemplatesPage'

function template(overrides: Record<string, unknown> = {}) {
  return {
    id: 'tpl-1',
    name: 'kargo_bildirimi',
    language: 'tr',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    variables: [{ name: 'customer_name', type: 'text', example: 'Ayşe' }],
    header: null,
    body: 'Merhaba {{1}}, siparişiniz yolda.',
    footer: null,
    buttons: [],
    ttl_seconds: null,
    status: 'DRAFT',
    reason: null,
    editable: true,
    meta_template_id: null,
    submitted_at: null,
    status_at: null,
    created_at: '2026-12-01T09:00:00Z',
    history: [],
    ...overrides,
  }
}

afterEach(() => vi.unstubAllGlobals())

describe('TemplatesPage', () => {
  it('lists templates with their status and the reason of a rejection', async () => {
    renderAs(<TemplatesPage />, () => [
      200,
      [
        template(),
        template({ id: 'tpl-2', name: 'kis_indirimi', category: 'MARKETING', status: 'REJECTED', reason: 'INVALID_FORMAT' }),
        template({ id: 'tpl-3', name: 'onayli', status: 'APPROVED', editable: false }),
      ],
    ])
    const rejected = await screen.findByTestId('template-kis_indirimi-tr')
    expect(within(rejected).getByTestId('template-status')).toHaveTextContent('Reddedildi')
    expect(within(rejected).getByTestId('template-reason')).toHaveTextContent('INVALID_FORMAT')
    const approved = screen.getByTestId('template-onayli-tr')
    expect(within(approved).getByTestId('template-status')).toHaveTextContent('Onaylandı')
    expect(within(approved).queryByRole('button', { name: 'Onaya gönder' })).toBeNull()
    expect(within(screen.getByTestId('template-kargo_bildirimi-tr')).getByRole('button', { name: 'Onaya gönder' })).toBeEnabled()
  })

  it('previews as you type and saves the spec as a draft', async () => {
    const calls = renderAs(<TemplatesPage />, (call) =>
      call.method === 'POST' ? [201, template({ name: 'yeni_sablon' })] : [200, []],
    )
    await userEvent.click(await screen.findByRole('button', { name: 'Yeni şablon' }))
    const form = screen.getByRole('form', { name: 'Şablon formu' })
    await userEvent.type(within(form).getByLabelText('Ad'), 'Yeni Şablon')
    expect(within(form).getByLabelText('Ad')).toHaveValue('yeni_sablon')
    await userEvent.type(within(form).getByLabelText('Metin'), 'Merhaba ')
    await userEvent.click(within(form).getByRole('button', { name: /Değişken ekle/ }))
    await userEvent.type(within(form).getByLabelText('Metin'), ', hoş geldiniz.')
    expect(screen.getByTestId('wa-preview')).toHaveTextContent('Merhaba Ayşe, hoş geldiniz.')
    await userEvent.clear(within(form).getByLabelText('Örnek değer'))
    await userEvent.type(within(form).getByLabelText('Örnek değer'), 'Mehmet')
    expect(screen.getByTestId('wa-preview')).toHaveTextContent('Merhaba Mehmet, hoş geldiniz.')
    await userEvent.click(within(form).getByRole('button', { name: 'Taslağı kaydet' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.path).toBe('/api/outbound/templates')
    expect(post.body).toEqual({
      name: 'yeni_sablon',
      language: 'tr',
      category: 'UTILITY',
      parameter_format: 'POSITIONAL',
      variables: [{ name: 'var_1', type: 'text', example: 'Mehmet' }],
      header: null,
      body: 'Merhaba {{1}}, hoş geldiniz.',
      footer: null,
      buttons: [],
    })
    expect(await screen.findByText('yeni_sablon taslak olarak kaydedildi.')).toBeInTheDocument()
  })

  it('shows why WhatsApp refused a submission', async () => {
    renderAs(<TemplatesPage />, (call) =>
      call.path.endsWith('/submit')
        ? [422, { detail: 'WhatsApp did not accept the template: Invalid parameter' }]
        : [200, [template()]],
    )
    await userEvent.click(await screen.findByRole('button', { name: 'Onaya gönder' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid parameter')
  })

  it('lets an agent read but not change', async () => {
    renderAs(<TemplatesPage />, () => [200, [template()]], 'agent')
    await screen.findByTestId('template-kargo_bildirimi-tr')
    expect(screen.queryByRole('button', { name: 'Yeni şablon' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Onaya gönder' })).toBeNull()
  })

  it('submits every draft in one click', async () => {
    const calls = renderAs(<TemplatesPage />, (call) =>
      call.method === 'POST'
        ? [200, { submitted: [template({ status: 'PENDING' }), template({ id: 'tpl-2', language: 'en', status: 'PENDING' })], refused: [] }]
        : [200, [template(), template({ id: 'tpl-2', language: 'en' }), template({ id: 'tpl-3', name: 'onayli', status: 'APPROVED', editable: false })]],
    )
    await userEvent.click(await screen.findByRole('button', { name: 'Taslakların hepsini onaya gönder (2)' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/templates/submit-drafts'))).toBe(true))
    expect(await screen.findByText(/2 şablon WhatsApp'a gönderildi/)).toBeInTheDocument()
  })
})
