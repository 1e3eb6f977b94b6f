import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { MessagePublic, Schemas } from '../api/client'
import { translate } from '../i18n'
import { renderWith } from '../test/render'
import { amount, flowPairs, osmLink, preview, safeUrl, timeline } from './messageKinds'
import { MessageList } from './MessageRow'

type Details = Schemas['MessageDetails']
const tr = (key: string, vars?: Record<string, string | number>) => translate('tr', key, vars)
const en = (key: string, vars?: Record<string, string | number>) => translate('en', key, vars)

let counter = 0
/** A message as ``GET /api/conversations/{id}/messages`` returns it. */
function msg(kind: string, details: Partial<Details> | null, extra: Partial<MessagePublic> = {}): MessagePublic {
  counter += 1
  return {
    id: `m-${counter}`,
    wa_message_id: `wamid.${counter}`,
    direction: 'in',
    author: 'customer',
    status: 'processed',
    kind,
    created_at: '2026-12-01T10:00:00Z',
    text: '',
    entities: [],
    details: details === null ? null : { edited: false, deleted: false, ...details },
    handling: kind === 'text' ? 'turn' : 'handoff',
    ...extra,
  }
}

function draw(messages: MessagePublic[], lang: 'tr' | 'en' = 'tr') {
  return renderWith(<MessageList messages={messages} conversationId="c-1" canReveal={false} />, lang)
}

// The fixtures' shapes: tests/data/whatsapp_webhooks.json as the inbox API masks them.
const LOCATION: Partial<Details> = {
  location: {
    latitude: 40.990742,
    longitude: 29.028513,
    name: 'Moda Sahili',
    address: 'Caferağa Mah. Moda Cad. No:1, Kadıköy/İstanbul',
  },
}
const ORDER: Partial<Details> = {
  order: {
    catalog_id: '1462753324505678',
    text: 'Hediye paketi olsun',
    items: [
      { product_retailer_id: 'KTN-GML-BYZ-M', quantity: 2, item_price: '499.95', currency: 'TRY' },
      { product_retailer_id: 'DRI-CZD-SYH', quantity: 1, item_price: '249.9', currency: 'TRY' },
    ],
    items_dropped: 3,
    total: '1249.80',
    currency: 'TRY',
  },
}

describe('timeline', () => {
  it('puts the latest reaction on the message it reacts to, and takes a removed one back', () => {
    const ours = msg('text', null, { direction: 'out', author: 'ai', status: 'read', text: 'Kargoda.' })
    const first = msg('reaction', { reaction: { message_id: ours.wa_message_id, emoji: '👍' } }, { handling: 'no_reply' })
    const second = msg('reaction', { reaction: { message_id: ours.wa_message_id, emoji: '❤️' } }, { handling: 'no_reply' })
    const drawn = timeline([ours, first, second])
    expect(drawn.rows).toEqual([ours])
    expect(drawn.reactions.get(ours.id)).toEqual({ emoji: '❤️' })

    const removed = msg('reaction', { reaction: { message_id: ours.wa_message_id, emoji: null } }, { handling: 'no_reply' })
    expect(timeline([ours, first, removed]).reactions.get(ours.id)).toEqual({ emoji: null })
  })

  it('collapses an edit and a delete into the original, and keeps events about older messages', () => {
    const original = msg('text', { edited: true, deleted: true }, { text: 'siparişim nerede?' })
    const edit = msg('edit', { edit: { original_message_id: original.wa_message_id, kind: 'text', text: 'x' } })
    const revoke = msg('revoke', { revoke: { original_message_id: original.wa_message_id } })
    const stray = msg('reaction', { reaction: { message_id: 'wamid.not-on-this-page', emoji: '👍' } })
    expect(timeline([original, edit, revoke, stray]).rows).toEqual([original, stray])
  })
})

describe('the list preview', () => {
  it('shows the text, else the kind', () => {
    expect(preview(tr, { text: 'kargom nerede', kind: 'text' })).toBe('kargom nerede')
    expect(preview(tr, { text: '', kind: 'location' })).toBe('📍 Konum')
    expect(preview(tr, { text: '', kind: 'order' })).toBe('🛒 Sepet')
    expect(preview(tr, { text: '', kind: 'audio' })).toBe('🎤 Sesli mesaj')
    expect(preview(en, { text: '', kind: 'contacts' })).toBe('👤 Contact card')
    expect(preview(tr, { text: '', kind: 'reaction' })).toBe('Tepki')
    expect(preview(tr, { text: '', kind: 'brand_new_kind' })).toBe('')
    expect(preview(tr, null)).toBe('')
  })
})

describe('helpers', () => {
  it('builds an OpenStreetMap link from valid coordinates only', () => {
    expect(osmLink(40.990742, 29.028513)).toBe(
      'https://www.openstreetmap.org/?mlat=40.990742&mlon=29.028513#map=17/40.990742/29.028513',
    )
    expect(osmLink(null, 29)).toBeNull()
    expect(osmLink(91, 29)).toBeNull()
    expect(osmLink(Number.NaN, 29)).toBeNull()
  })

  it('links only http(s) addresses', () => {
    expect(safeUrl('https://fb.me/abc')).toBe('https://fb.me/abc')
    expect(safeUrl('javascript:alert(1)')).toBeNull()
    expect(safeUrl('not a url')).toBeNull()
  })

  it('lists a flow response without its token', () => {
    expect(flowPairs({ flow_token: 't', order_number: '10654400001', sizes: ['M', 'L'], more: { a: 1 } })).toEqual([
      ['order_number', '10654400001'],
      ['sizes', 'M, L'],
      ['more', '{"a":1}'],
    ])
  })

  it('writes amounts in the UI language', () => {
    expect(amount('1249.80', 'tr')).toBe('1.249,80')
    expect(amount('1249.8', 'en')).toBe('1,249.80')
    expect(amount(null, 'tr')).toBe('–')
  })
})

describe('MessageList', () => {
  it('draws a place card with an OpenStreetMap link (a plain link)', () => {
    draw([msg('location', LOCATION, { text: 'Moda Sahili, Caferağa Mah. Moda Cad. No:1, Kadıköy/İstanbul' })])
    const card = screen.getByTestId('location-card')
    expect(card).toHaveTextContent('Moda Sahili')
    expect(card).toHaveTextContent('Caferağa Mah. Moda Cad. No:1, Kadıköy/İstanbul')
    expect(card).toHaveTextContent('40.990742, 29.028513')
    const link = within(card).getByRole('link', { name: "OpenStreetMap'te aç" })
    expect(link).toHaveAttribute('href', osmLink(40.990742, 29.028513))
    expect(link).toHaveAttribute('rel', 'noopener noreferrer')
    // The text ("name, address") is not repeated under the card.
    expect(screen.getAllByText(/Moda Sahili/)).toHaveLength(1)
    expect(document.querySelector('img, iframe')).toBeNull()
  })

  it('draws a cart as a table with the total, the note, the catalogue and the dropped items', () => {
    draw([msg('order', ORDER, { text: 'Hediye paketi olsun' })])
    const card = screen.getByTestId('order-card')
    const rows = within(card).getAllByRole('row')
    expect(rows[1]).toHaveTextContent('KTN-GML-BYZ-M× 2499,95 TRY')
    expect(rows[2]).toHaveTextContent('DRI-CZD-SYH× 1249,90 TRY')
    expect(screen.getByTestId('order-more')).toHaveTextContent('+3 ürün daha')
    expect(screen.getByTestId('order-total')).toHaveTextContent('1.249,80 TRY')
    expect(card).toHaveTextContent('Not: Hediye paketi olsun')
    expect(card).toHaveTextContent('Katalog: 1462753324505678')
  })

  it('draws a card per contact with masked phones', () => {
    draw([
      msg('contacts', {
        contacts: [
          {
            name: '<PERSON>',
            phones: [{ phone: '+90 532 *** ** 21', wa_id: '+90 532 *** ** 21', type: 'CELL' }],
            emails: ['<EMAIL_ADDRESS>'],
            organization: 'Veli Tekstil',
          },
          { name: 'Ayşe', phones: [], emails: [] },
        ],
      }),
    ])
    const [first, second] = screen.getAllByTestId('contact-card')
    expect(first).toHaveTextContent('<PERSON>')
    expect(first).toHaveTextContent('+90 532 *** ** 21 (cell)')
    expect(first).toHaveTextContent('<EMAIL_ADDRESS>')
    expect(first).toHaveTextContent('Veli Tekstil')
    expect(second).toHaveTextContent('Ayşe')
  })

  it('draws media as a chip: a voice note, a document by its name, a photo with its caption', () => {
    draw([
      msg('audio', { media: { mime_type: 'audio/ogg; codecs=opus', voice: true, animated: false } }),
      msg('document', { media: { mime_type: 'application/pdf', filename: 'fatura.pdf', voice: false, animated: false } }),
      msg('image', { media: { mime_type: 'image/jpeg', caption: 'ürün kırık geldi', voice: false, animated: false } }, { text: 'ürün kırık geldi', handling: 'turn' }),
    ])
    const chips = screen.getAllByTestId('media-chip')
    expect(chips[0]).toHaveTextContent('🎤 Sesli mesaj · audio/ogg')
    expect(chips[1]).toHaveTextContent('📄 fatura.pdf')
    expect(chips[2]).toHaveTextContent('📷 Fotoğraf')
    expect(screen.getByText('ürün kırık geldi')).toBeInTheDocument()
    expect(screen.queryByRole('link')).toBeNull() // no media download
  })

  it("lists a completed flow's answers", () => {
    draw([msg('interactive', { interactive_type: 'nfm_reply', flow: { name: 'İade formu', response: { flow_token: 'x', order_number: '10654400001', reason: 'beden' } } })])
    const card = screen.getByTestId('flow-card')
    expect(card).toHaveTextContent('Form yanıtı · İade formu')
    expect(card).toHaveTextContent('order_number10654400001')
    expect(card).toHaveTextContent('reasonbeden')
    expect(card).not.toHaveTextContent('flow_token')
  })

  it('shows a reaction on the message, not as a bubble, and a removed one in words', () => {
    const ours = msg('text', null, { direction: 'out', author: 'ai', status: 'read', text: 'Siparişiniz kargoda.' })
    const reaction = msg('reaction', { reaction: { message_id: ours.wa_message_id, emoji: '👍' } }, { handling: 'no_reply' })
    const view = draw([ours, reaction])
    expect(screen.getAllByTestId('message')).toHaveLength(1)
    expect(screen.getByTestId('reaction')).toHaveTextContent('👍')
    view.unmount()

    const removed = msg('reaction', { reaction: { message_id: ours.wa_message_id, emoji: null } }, { handling: 'no_reply' })
    draw([ours, reaction, removed])
    expect(screen.getByTestId('reaction')).toHaveTextContent('tepki kaldırıldı')
  })

  it('marks an edited and a deleted message, and collapses the events', () => {
    const original = msg('text', { edited: true, deleted: true }, { text: 'siparişim 10654400001 nerede?', handling: 'turn' })
    const edit = msg('edit', { edit: { original_message_id: original.wa_message_id, kind: 'text', text: 'siparişim 10654400001 nerede?' } }, { text: 'siparişim 10654400001 nerede?', handling: 'no_reply' })
    const revoke = msg('revoke', { revoke: { original_message_id: original.wa_message_id } }, { handling: 'no_reply' })
    draw([original, edit, revoke])
    const [row] = screen.getAllByTestId('message')
    expect(within(row).getByTestId('edited')).toHaveTextContent('düzenlendi')
    expect(within(row).getByTestId('deleted')).toHaveTextContent('silindi')
    expect(row).toHaveClass('deleted')
    expect(screen.getAllByText('siparişim 10654400001 nerede?')).toHaveLength(1)
  })

  it('marks a no-reply message and draws system events as a centred note', () => {
    draw([
      msg('sticker', { media: { mime_type: 'image/webp', voice: false, animated: false } }, { handling: 'no_reply' }),
      msg('system', { system: { type: 'customer_changed_number', new_wa_id: '+90 555 *** ** 23', applied: true } }, { handling: 'no_reply', text: '<PERSON> changed their phone number' }),
    ])
    const [sticker, system] = screen.getAllByTestId('message')
    expect(within(sticker).getByTestId('no-reply')).toHaveTextContent('yanıt gerekmiyor')
    expect(within(sticker).getByTestId('media-chip')).toHaveTextContent('Çıkartma')
    expect(system).toHaveClass('note')
    expect(within(system).getByTestId('kind-note')).toHaveTextContent('Müşteri numarasını değiştirdi: +90 555 *** ** 23')
  })

  it('shows where the customer came from and what the message answers', () => {
    const ours = msg('text', null, { direction: 'out', author: 'ai', status: 'read', text: 'Hangi beden?' })
    draw([
      ours,
      msg(
        'text',
        {
          referral: { source_url: 'https://fb.me/ad-1', source_type: 'ad', headline: 'Kış indirimi', body: '%30 indirim' },
          context: { message_id: ours.wa_message_id, forwarded: true, frequently_forwarded: false },
        },
        { text: 'M beden', handling: 'turn' },
      ),
      msg('text', { referral: { source_url: 'javascript:alert(1)', headline: 'x' } }, { text: 'merhaba', handling: 'turn' }),
    ])
    const [banner, hostile] = screen.getAllByTestId('referral')
    expect(banner).toHaveTextContent('Reklamdan geldi')
    expect(banner).toHaveTextContent('Kış indirimi')
    expect(banner).toHaveTextContent('%30 indirim')
    expect(within(banner).getByRole('link', { name: 'Reklamı aç' })).toHaveAttribute('href', 'https://fb.me/ad-1')
    expect(within(hostile).queryByRole('link')).toBeNull()
    expect(screen.getByTestId('forwarded')).toHaveTextContent('İletildi')
    expect(screen.getByTestId('quote')).toHaveTextContent('Yanıtladığı mesaj: Hangi beden?')
    expect(within(screen.getByTestId('quote')).getByRole('button')).toBeInTheDocument()
  })

  it('warns about errors and unread parts, and shows a delivery error and its pricing', () => {
    draw([
      msg('unsupported', { errors: [{ code: 131051, title: 'Message type unknown' }], problems: [] }),
      msg('order', { order: { items: [], items_dropped: 1 }, problems: ['1 order items not kept'] }),
      msg('text', { delivery: { status: 'failed', pricing_category: 'service', pricing_type: 'free_customer_service', pricing_model: 'PMP', billable: false, errors: [{ code: 131047, title: 'Re-engagement message' }] } }, { direction: 'out', author: 'ai', status: 'failed', text: 'Merhaba', handling: null }),
    ])
    expect(screen.getByTestId('message-error')).toHaveTextContent('WhatsApp hatası: 131051 Message type unknown')
    expect(screen.getByTestId('message-problem')).toHaveTextContent('Okunamayan kısım: 1 order items not kept')
    const pricing = screen.getByTestId('pricing')
    expect(pricing).toHaveTextContent('hizmet')
    expect(pricing).toHaveAttribute('title', 'kategori: hizmet · tür: free_customer_service · model: PMP · ücretsiz')
    expect(screen.getByTestId('delivery-error')).toHaveTextContent('İletim hatası 131047')
    expect(screen.getByTestId('delivery-error')).toHaveAttribute('title', 'Re-engagement message')
  })

  it('speaks English too', () => {
    draw([msg('order', ORDER, { text: 'Hediye paketi olsun' }), msg('sticker', { media: { voice: false, animated: false } }, { handling: 'no_reply' })], 'en')
    expect(screen.getByTestId('order-total')).toHaveTextContent('1,249.80 TRY')
    expect(screen.getByTestId('order-more')).toHaveTextContent('+3 more items')
    expect(screen.getByTestId('no-reply')).toHaveTextContent('no reply needed')
  })
})
