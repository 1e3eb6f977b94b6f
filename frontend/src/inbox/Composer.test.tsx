import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderWith, stubFetch } from '../test/render'
import { Composer } from './Composer'

afterEach(() => vi.unstubAllGlobals())

describe('Composer', () => {
  it('asks before sending a TC kimlik / IBAN / card number, then sends with confirm_pii', async () => {
    const calls = stubFetch((_call, index) =>
      index === 0
        ? [409, { detail: 'contains IBAN_CODE', entities: [{ entity_type: 'IBAN_CODE', start: 6, end: 32 }] }]
        : [201, { id: 'm-9' }],
    )
    const onSent = vi.fn()
    renderWith(<Composer conversationId="c-1" onSent={onSent} />)
    const box = screen.getByRole('textbox')
    await userEvent.type(box, 'IBAN: TR330006100519786457841326')
    await userEvent.click(screen.getByRole('button', { name: 'Gönder' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('IBAN_CODE')
    expect(onSent).not.toHaveBeenCalled()
    await userEvent.click(screen.getByRole('button', { name: 'Yine de gönder' }))
    await waitFor(() => expect(onSent).toHaveBeenCalled())
    expect(calls.map((c) => [c.path, (c.body as { confirm_pii: boolean }).confirm_pii])).toEqual([
      ['/api/conversations/c-1/messages', false],
      ['/api/conversations/c-1/messages', true],
    ])
    expect(box).toHaveValue('')
  })

  it('warns when the 24-hour window is closed', () => {
    renderWith(<Composer conversationId="c-1" windowClosed />, 'en')
    expect(screen.getByRole('alert')).toHaveTextContent('only a template message may go')
  })
})
