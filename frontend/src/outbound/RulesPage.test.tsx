import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RulesPage } from './RulesPage'
import { renderAs } from './testing'

const RULES = [
  {
    id: 'r-1',
    name: 'Teslimat sonrası memnuniyet',
    trigger: 'order_delivered',
    condition: {},
    template_name: 'memnuniyet_kontrol',
    variables: { customer_name: { field: 'customer_name' } },
    delay_minutes: 4320,
    schedule: null,
    flow: 'post_purchase',
    builtin: true,
    enabled: false,
    follow_up_hours: null,
    created_at: '2026-12-01T09:00:00Z',
  },
  {
    id: 'r-2',
    name: 'Haftalık',
    trigger: 'schedule',
    condition: {},
    template_name: 'haftalik',
    variables: {},
    delay_minutes: 0,
    schedule: { every: 'week', at: '10:30', weekday: 2 },
    flow: null,
    builtin: false,
    enabled: true,
    follow_up_hours: null,
    created_at: '2026-12-01T09:00:00Z',
  },
]
const TRIGGERS = [
  { kind: 'order_shipped', description: '', fields: ['order_number', 'customer_name', 'tracking_link'] },
  { kind: 'schedule', description: '', fields: ['customer_name'] },
]
const TEMPLATES = [
  {
    id: 't-1',
    name: 'kargo_bildirimi',
    language: 'tr',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    variables: [
      { name: 'customer_name', type: 'text', example: 'Ayşe' },
      { name: 'order_number', type: 'text', example: '1' },
    ],
    header: null,
    body: 'Merhaba {{1}}, {{2}} kargoda.',
    footer: null,
    buttons: [],
    ttl_seconds: null,
    status: 'APPROVED',
    reason: null,
    editable: false,
    meta_template_id: '1',
    submitted_at: null,
    status_at: null,
    created_at: '2026-12-01T09:00:00Z',
    history: [],
  },
]

function answer(call: { method: string; path: string }): [number, unknown] {
  if (call.path === '/api/outbound/rules' && call.method === 'GET') return [200, RULES]
  if (call.path === '/api/outbound/triggers') return [200, TRIGGERS]
  if (call.path === '/api/outbound/templates') return [200, TEMPLATES]
  if (call.path.endsWith('/enabled')) return [200, { ...RULES[0], enabled: true }]
  if (call.method === 'POST') return [201, RULES[1]]
  return [404, { detail: 'no' }]
}

afterEach(() => vi.unstubAllGlobals())

describe('RulesPage', () => {
  it('shows built-in flows as rules with a switch, and when they fire', async () => {
    const calls = renderAs(<RulesPage />, answer)
    const builtin = await screen.findByTestId('rule-Teslimat sonrası memnuniyet')
    expect(builtin).toHaveTextContent('hazır akış')
    expect(builtin).toHaveTextContent('Sipariş teslim edildi')
    expect(builtin).toHaveTextContent('3 gün sonra')
    expect(within(builtin).queryByRole('button', { name: 'Sil' })).toBeNull()
    expect(screen.getByTestId('rule-Haftalık')).toHaveTextContent('her Çarşamba 10:30')
    const toggle = within(builtin).getByRole('switch')
    expect(toggle).not.toBeChecked()
    await userEvent.click(toggle)
    await waitFor(() => expect(calls.some((c) => c.path === '/api/outbound/rules/r-1/enabled')).toBe(true))
    expect(calls.find((c) => c.path.endsWith('/enabled'))!.body).toEqual({ enabled: true })
  })

  it('maps every template variable from the trigger fields before saving', async () => {
    const calls = renderAs(<RulesPage />, answer)
    await userEvent.click(await screen.findByRole('button', { name: 'Yeni otomasyon' }))
    const form = screen.getByRole('form', { name: 'Otomasyon formu' })
    await userEvent.type(within(form).getByLabelText('Ad'), 'Kargom yolda')
    await userEvent.selectOptions(within(form).getByLabelText('Tetikleyici'), 'order_shipped')
    await userEvent.clear(within(form).getByLabelText('Gecikme'))
    await userEvent.type(within(form).getByLabelText('Gecikme'), '2')
    await userEvent.selectOptions(within(form).getByLabelText('Şablon'), 'kargo_bildirimi')
    const save = within(form).getByRole('button', { name: 'Kaydet' })
    expect(save).toBeDisabled()
    await userEvent.selectOptions(within(form).getByLabelText('customer_name kaynağı'), 'customer_name')
    await userEvent.selectOptions(within(form).getByLabelText('order_number kaynağı'), '__value')
    await userEvent.type(within(form).getByLabelText('order_number metni'), 'sabit')
    expect(save).toBeEnabled()
    await userEvent.click(save)
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/outbound/rules')).toBe(true))
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/outbound/rules')!.body).toEqual({
      name: 'Kargom yolda',
      trigger: 'order_shipped',
      template_name: 'kargo_bildirimi',
      variables: { customer_name: { field: 'customer_name' }, order_number: { value: 'sabit' } },
      delay_minutes: 120,
      schedule: null,
      enabled: true,
      follow_up_hours: null,
      condition: {},
    })
  })
})
