import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { MessagePublic } from '../api/client'
import { MessageList } from '../inbox/MessageRow'
import { renderWith } from '../test/render'

function message(extra: Record<string, unknown>): MessagePublic {
  return {
    id: 'm-1',
    wa_message_id: 'wamid.1',
    direction: 'out',
    author: 'system',
    status: 'delivered',
    kind: 'text',
    created_at: '2026-12-01T10:00:00Z',
    text: 'Merhaba Ayşe, siparişiniz kargoya verildi.',
    entities: [],
    details: null,
    handling: null,
    ...extra,
  } as MessagePublic
}

describe('an outbound message in the inbox', () => {
  it('shows as automatic, with the flow and the template', () => {
    renderWith(
      <MessageList
        messages={[message({ outbound: { flow: 'shipping_update', template: 'siparis_kargoda', send_id: 's-1' } })]}
        conversationId="c-1"
        canReveal={false}
      />,
    )
    expect(screen.getByTestId('outbound-auto')).toHaveTextContent(
      'Otomatik mesaj · Kargo bildirimi · siparis_kargoda',
    )
    expect(screen.getByTestId('message')).toHaveClass('outbound-auto')
  })

  it('leaves other messages alone', () => {
    renderWith(<MessageList messages={[message({ author: 'agent' })]} conversationId="c-1" canReveal={false} />)
    expect(screen.queryByTestId('outbound-auto')).toBeNull()
  })
})
