import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CampaignsPage } from './CampaignsPage'
import { renderAs } from './testing'

function campaign(overrides: Record<string, unknown> = {}) {
  return {
    id: 'c-1',
    name: 'Kış indirimi',
    status: 'running',
    audience: { tags: ['vip'] },
    template_a: 'kis_a',
    template_b: 'kis_b',
    split_percent: 50,
    variables: {},
    scheduled_at: null,
    started_at: '2026-12-01T09:00:00Z',
    completed_at: null,
    conversion_days: 7,
    recipients: 4,
    created_at: '2026-12-01T08:00:00Z',
    ...overrides,
  }
}

function variant(name: string, template: string | null, sent: number, converted: number) {
  return {
    variant: name,
    template,
    recipients: 2,
    scheduled: 0,
    paused: 0,
    sent,
    delivered: sent,
    read: 1,
    replied: 1,
    converted,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    orders: converted,
    revenue: converted * 100,
    cost: sent * 1.2,
    roi: null,
  }
}

const STATS = {
  campaign_id: 'c-1',
  status: 'running',
  variants: [variant('A', 'kis_a', 2, 1), variant('B', 'kis_b', 2, 0)],
  total: variant('total', null, 4, 1),
  cost: 4.8,
  revenue: 100,
  roi: 19.8333,
  raw: {},
}

const TEMPLATE = {
  id: 't-1',
  name: 'kis_a',
  language: 'tr',
  category: 'MARKETING',
  parameter_format: 'POSITIONAL',
  variables: [{ name: 'first_name', type: 'text', example: 'Ayşe' }],
  header: null,
  body: 'Merhaba {{1}}, indirim!',
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
}

afterEach(() => vi.unstubAllGlobals())

describe('CampaignsPage', () => {
  it('shows per-variant stats with cost, revenue and ROI, and the running campaign buttons', async () => {
    const calls = renderAs(<CampaignsPage />, (call) => {
      if (call.path === '/api/outbound/campaigns') return [200, [campaign()]]
      if (call.path.endsWith('/stats')) return [200, STATS]
      if (call.path.endsWith('/pause')) return [200, campaign({ status: 'paused' })]
      return [404, {}]
    })
    await userEvent.click(await screen.findByRole('button', { name: 'Kış indirimi' }))
    const detail = await screen.findByTestId('campaign-detail')
    const table = await within(detail).findByTestId('campaign-stats')
    const rows = within(table).getAllByRole('row')
    expect(rows.map((r) => r.textContent)).toHaveLength(4) // header, A, B, total
    expect(rows[1]).toHaveTextContent('kis_a')
    expect(rows[1]).toHaveTextContent('50%') // converted 1 of 2 sent
    expect(rows[3]).toHaveTextContent('Toplam')
    expect(within(detail).getByTestId('roi')).toHaveTextContent('1983%')
    expect(within(detail).queryByRole('button', { name: 'Şimdi başlat' })).toBeNull()
    await userEvent.click(within(detail).getByRole('button', { name: 'Duraklat' }))
    await waitFor(() => expect(calls.some((c) => c.path === '/api/outbound/campaigns/c-1/pause')).toBe(true))
  })

  it('shows the reason of a refused move', async () => {
    renderAs(<CampaignsPage />, (call) => {
      if (call.path === '/api/outbound/campaigns') return [200, [campaign({ status: 'draft', template_b: null })]]
      if (call.path.endsWith('/launch')) return [409, { detail: 'the tenant has no active WhatsApp channel' }]
      return [404, {}]
    })
    await userEvent.click(await screen.findByRole('button', { name: 'Kış indirimi' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Şimdi başlat' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('no active WhatsApp channel')
  })

  it('counts the audience live while it is built and saves a draft', async () => {
    const calls = renderAs(<CampaignsPage />, (call) => {
      if (call.path === '/api/outbound/campaigns' && call.method === 'GET') return [200, []]
      if (call.path === '/api/outbound/templates') return [200, [TEMPLATE]]
      if (call.path === '/api/outbound/campaigns/preview') {
        const tags = (call.body as { audience: { tags: string[] } }).audience.tags
        return [
          200,
          {
            count: tags.includes('vip') ? 12 : 340,
            sample: [{ id: 'x', name: 'Ayşe', phone: '90532*****33' }],
            category: 'MARKETING',
            opted_out_excluded: 3,
            channel: true,
          },
        ]
      }
      if (call.method === 'POST') return [201, campaign({ status: 'draft' })]
      return [404, {}]
    })
    await userEvent.click(await screen.findByRole('button', { name: 'Yeni kampanya' }))
    expect(await screen.findByTestId('audience-count')).toHaveTextContent('340')
    const form = screen.getByRole('form', { name: 'Kampanya formu' })
    await userEvent.type(within(form).getByLabelText('Etiketler (virgülle)'), 'vip')
    await waitFor(() => expect(screen.getByTestId('audience-count')).toHaveTextContent('12'))
    expect(form).toHaveTextContent('3 müşteri pazarlamayı durdurduğu için çıkarıldı')
    await userEvent.type(within(form).getByLabelText('Ad'), 'Kış')
    await userEvent.selectOptions(within(form).getByLabelText('Şablon A'), 'kis_a')
    await userEvent.selectOptions(within(form).getByLabelText('first_name kaynağı'), 'first_name')
    await userEvent.click(within(form).getByRole('button', { name: 'Taslağı kaydet' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/outbound/campaigns')).toBe(true))
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/outbound/campaigns')!.body).toEqual({
      name: 'Kış',
      audience: { tags: ['vip'], tags_mode: 'any', opted_in_only: true },
      template_a: 'kis_a',
      template_b: null,
      split_percent: 50,
      variables: { first_name: { field: 'first_name' } },
      conversion_days: 7,
    })
  })
})
