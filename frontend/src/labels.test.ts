import { describe, expect, it } from 'vitest'
import { DICTIONARY, translate, type Lang } from './i18n'
import {
  actionKindLabel,
  actionSummary,
  agentLabel,
  handoffLabel,
  intentLabel,
  orderStatusLabel,
  outcomeLabel,
  reasonLabel,
} from './labels'

const tr = (key: string, vars?: Record<string, string | number>) => translate('tr', key, vars)
const en = (key: string, vars?: Record<string, string | number>) => translate('en', key, vars)

describe('action summaries', () => {
  // The API's English summaries and the action's fields, as invekto/tools/actions.py and
  // invekto/api/routes/suggestions.py (ActionFields) give them.
  const cases: [string, string, Record<string, unknown>, string, string][] = [
    [
      'cancel_request',
      'Cancellation request for order: 10654400003',
      { order_number: '10654400003' },
      '10654400003 numaralı sipariş için iptal talebi',
      'Cancellation request for order 10654400003',
    ],
    [
      'invoice_request',
      'Invoice request for order: 10654400001',
      { order_number: '10654400001' },
      '10654400001 numaralı sipariş için fatura talebi',
      'Invoice request for order 10654400001',
    ],
    [
      'address_change',
      'Address change request for order: 10654400002',
      { order_number: '10654400002' },
      '10654400002 numaralı sipariş için adres değişikliği talebi',
      'Address change request for order 10654400002',
    ],
    [
      'coupon',
      'Coupon GERI-7F3A (%10, changed_mind)',
      { code: 'GERI-7F3A', percent: 10, reason: 'changed_mind', valid_days: 30 },
      'GERI-7F3A kuponu (%10, vazgeçti)',
      'Coupon GERI-7F3A (10%, changed mind)',
    ],
    [
      'return_step',
      'Return: exchange_offered (order 10654400001)',
      { step: 'exchange_offered', order_number: '10654400001' },
      'İade: değişim önerildi (10654400001 numaralı sipariş)',
      'Return: exchange offered (order 10654400001)',
    ],
    ['return_step', 'Return: asked_reason', { step: 'asked_reason' }, 'İade: neden soruldu', 'Return: reason asked'],
    [
      'lead',
      'B2B lead: ABC Tekstil — tişört × 150, gömlek',
      { company: 'ABC Tekstil', products: [{ product: 'tişört', quantity: 150 }, { product: 'gömlek', quantity: null }] },
      'B2B fırsat: ABC Tekstil — tişört × 150, gömlek',
      'B2B lead: ABC Tekstil — tişört × 150, gömlek',
    ],
    ['lead', 'B2B lead: ?', { company: null, products: [] }, 'B2B fırsat: ?', 'B2B lead: ?'],
    [
      'sales_alert',
      'Alert sales (webhook, email)',
      { channels: ['webhook', 'email'] },
      'Satış ekibine bildir (webhook, email)',
      'Alert the sales team (webhook, email)',
    ],
    ['sales_alert', 'Alert sales', { channels: [] }, 'Satış ekibine bildir', 'Alert the sales team'],
  ]
  it.each(cases)('%s: %s', (kind, summary, fields, turkish, english) => {
    expect(actionSummary(tr, { kind, summary, fields })).toBe(turkish)
    expect(actionSummary(en, { kind, summary, fields })).toBe(english)
  })

  it('reads the fields, not the English summary', () => {
    // A summary worded differently (or in another language) does not matter.
    const fields = { order_number: '10654400009' }
    expect(actionSummary(tr, { kind: 'cancel_request', summary: 'anything at all', fields })).toBe(
      '10654400009 numaralı sipariş için iptal talebi',
    )
    expect(
      actionSummary(tr, { kind: 'coupon', summary: 'x', fields: { code: 'YENI5', percent: 5, reason: 'late_delivery' } }),
    ).toBe('YENI5 kuponu (%5, late_delivery)')
  })

  it('keeps the summary of an unknown kind, or when the fields it needs are missing', () => {
    expect(actionSummary(tr, { kind: 'clinic_booking', summary: 'Book 3 Dec 10:00', fields: {} })).toBe('Book 3 Dec 10:00')
    expect(actionSummary(tr, { kind: 'coupon', summary: 'something else', fields: {} })).toBe('something else')
    expect(actionSummary(tr, { kind: 'cancel_request', summary: 'Cancellation request for order: 1' })).toBe(
      'Cancellation request for order: 1',
    )
  })

  it('names every built-in action kind in both languages', () => {
    for (const kind of ['cancel_request', 'invoice_request', 'address_change', 'coupon', 'return_step', 'lead', 'sales_alert'])
      for (const t of [tr, en]) expect(actionKindLabel(t, kind)).not.toBe(kind)
    expect(actionKindLabel(tr, 'cancel_request')).toBe('İptal')
  })
})

describe('order statuses, intents, agents, outcomes, reasons', () => {
  it('speaks Turkish for Trendyol statuses and keeps unknown ones', () => {
    expect(orderStatusLabel(tr, 'Shipped')).toBe('Kargoda')
    expect(orderStatusLabel(tr, 'Delivered')).toBe('Teslim edildi')
    expect(orderStatusLabel(en, 'UnDelivered')).toBe('Not delivered')
    expect(orderStatusLabel(tr, 'SomethingNew')).toBe('SomethingNew')
  })

  it('names the why panel codes', () => {
    expect(intentLabel(tr, 'order_status')).toBe('Sipariş / kargo durumu')
    expect(intentLabel(tr, 'brand_new_intent')).toBe('brand_new_intent')
    expect(agentLabel(tr, 'support')).toBe('Destek asistanı')
    expect(outcomeLabel(tr, 'auto_reply')).toBe('Otomatik yanıt')
    expect(outcomeLabel(en, 'handoff')).toBe('Handed over')
    expect(reasonLabel(tr, 'automation_off')).toBe('otomasyon kapalı')
    expect(reasonLabel(tr, 'customer_asked_for_human')).toBe('müşteri temsilci istedi')
    expect(reasonLabel(tr, 'guard:no_unseen_pii')).toBe('çıktı denetimi: no_unseen_pii')
    expect(reasonLabel(tr, 'mystery')).toBe('mystery')
    expect(reasonLabel(tr, 'message_kind:location')).toBe('mesaj türü: Konum')
    expect(reasonLabel(en, 'message_kind:voice')).toBe('message kind: Voice message')
    expect(handoffLabel(tr, 'message_kind:order')).toBe('mesaj türü: Sepet')
    expect(handoffLabel(tr, 'message_kind:brand_new')).toBe('mesaj türü: brand_new')
    expect(handoffLabel(tr, 'agent_took_over')).toBe('bir temsilci devraldı')
  })

  it('has a label for every intent of the taxonomy in both languages', () => {
    // invekto/nlu/taxonomy.py (docs/intents.md): the 27 intents.
    const intents = Object.keys(DICTIONARY.tr).filter((key) => key.startsWith('intent.'))
    expect(intents).toHaveLength(27)
    for (const lang of ['tr', 'en'] as Lang[])
      for (const key of intents) expect(DICTIONARY[lang][key]).toBeTruthy()
  })
})
