import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { tokenStore } from '../api/client'
import { AuthProvider } from '../auth'
import { ME } from '../outbound/testing'
import { renderWith, type Call } from '../test/render'
import { ImportReportView } from './ImportBox'
import { RevenuePage } from './RevenuePage'

const SUMMARY = {
  days: 30,
  recommendations: {
    shown: 8,
    accepted: 2,
    rejected: 1,
    acceptance_rate: 0.25,
    by_source: { bundle: { shown: 5, accepted: 2, rejected: 0 }, cross_sell: { shown: 3, accepted: 0, rejected: 1 } },
  },
  payment_links: {
    by_status: { paid: 2, sent: 1 },
    created: 3,
    paid: 2,
    revenue: '1049.70',
    daily: [{ day: '2026-12-04', revenue: '1049.70' }],
  },
  leads: { hot: 2, warm: 1, cold: 4, unscored: 3 },
  carts: { recovered: 1, recovered_total: '249.90' },
}
const PRODUCTS = {
  total: 2,
  products: [
    { product_main_id: 'KBS-2026', title: 'Keten Bakım Spreyi', category: 'Bakım', margin_tier: 'high', price: '129.90', stock: 3, provider: 'own', url: null, variants: 1 },
    { product_main_id: 'KG-2026', title: 'Keten Gömlek', category: 'Gömlek', margin_tier: 'high', price: '1049.70', stock: 0, provider: 'trendyol', url: 'https://example.test/kg', variants: 3 },
  ],
}
const RULES = {
  rules: [
    {
      id: 'r-1',
      name: 'Keten gömlek + hasır kemer %10',
      kind: 'bundle',
      priority: 300,
      enabled: true,
      trigger: { products: ['KG-2026'], categories: [], tiers: [] },
      target: { products: ['HSK-2026'], categories: [], tier: null, same_category: false },
      discount_percent: 10,
      note: '',
      updated_at: '2026-12-01T09:00:00Z',
    },
  ],
  max_discount_percent: 15,
  discount_auto_percent: 10,
}
const LINKS = {
  links: [
    {
      id: 'l-1',
      reference: 'INV-ABC',
      provider: 'paytr',
      purpose: 'product',
      description: 'Keten Bakım Spreyi',
      amount: '1049.70',
      currency: 'TRY',
      status: 'paid',
      url: 'https://pay.example.test/abc',
      conversation_id: 'c-1',
      created_at: '2026-12-01T09:00:00Z',
      expires_at: '2026-12-02T09:00:00Z',
      paid_at: '2026-12-01T10:00:00Z',
      last_error: null,
    },
  ],
}
const OWNER = ['revenue.manage', 'revenue.view']
const AGENT = ['revenue.view']

type Answer = (call: Call) => [number, unknown] | undefined

function base(call: Call): [number, unknown] {
  if (call.path === '/api/revenue/summary') return [200, SUMMARY]
  if (call.path === '/api/revenue/products') return [200, PRODUCTS]
  if (call.path === '/api/revenue/rules' && call.method === 'GET') return [200, RULES]
  if (call.path === '/api/revenue/links') return [200, LINKS]
  return [404, { detail: 'Not Found' }]
}

/** The page at ``path`` for a user with ``permissions``; ``answer`` may answer a call first. A
 * body is kept as JSON when it is JSON, else as its text (the CSV upload). */
function renderPage(path: string, permissions: string[], answer: Answer = () => undefined) {
  tokenStore.set('token')
  const calls: Call[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const text = await request.text()
      const url = new URL(request.url)
      let body: unknown = undefined
      if (text) {
        try {
          body = JSON.parse(text)
        } catch {
          body = text
        }
      }
      const call: Call = { method: request.method, path: url.pathname, ...(url.search ? { query: url.search } : {}), body }
      calls.push(call)
      const role = permissions.includes('revenue.manage') ? 'owner' : 'agent'
      const [status, payload] =
        call.path === '/api/auth/me' ? [200, { ...ME, role, permissions }] : (answer(call) ?? base(call))
      return new Response(status === 204 ? null : JSON.stringify(payload), {
        status,
        headers: { 'Content-Type': 'application/json', 'X-Content-Type': request.headers.get('Content-Type') ?? '' },
      })
    }),
  )
  renderWith(
    <AuthProvider>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/revenue" element={<RevenuePage />} />
          <Route path="/revenue/:tab" element={<RevenuePage />} />
          <Route path="/inbox/:id" element={<p>inbox</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  )
  return calls
}

afterEach(() => vi.unstubAllGlobals())

describe('Özet', () => {
  it('shows the period’s figures, money the Turkish way, and asks again for another period', async () => {
    const calls = renderPage('/revenue', AGENT)
    await waitFor(() => expect(screen.getByTestId('rev-value-revenue')).toHaveTextContent('1.049,70 TL'))
    expect(screen.getByTestId('rev-value-shown')).toHaveTextContent('8')
    expect(screen.getByTestId('rev-card-shown')).toHaveTextContent('2 kabul · 1 ret')
    expect(screen.getByTestId('rev-value-rate')).toHaveTextContent('25%')
    expect(screen.getByTestId('rev-value-links')).toHaveTextContent('2 / 3')
    expect(screen.getByTestId('rev-card-leads')).toHaveTextContent('2 sıcak · 1 ılık · 4 soğuk')
    expect(screen.getByTestId('rev-card-carts')).toHaveTextContent('249,90 TL')
    expect(within(screen.getByTestId('rev-by-source')).getByText('Paket')).toBeInTheDocument()
    expect(calls.find((c) => c.path === '/api/revenue/summary')!.query).toBe('?days=30')
    await userEvent.click(screen.getByRole('button', { name: 'Son 7 gün' }))
    await waitFor(() => expect(calls.some((c) => c.query === '?days=7')).toBe(true))
    expect(screen.getByRole('button', { name: 'Son 7 gün' })).toHaveAttribute('aria-pressed', 'true')
  })
})

describe('Ürünler', () => {
  it('lists products with their provider, and lets a manager set the margin tier', async () => {
    const calls = renderPage('/revenue/products', OWNER, (call) =>
      call.method === 'PATCH' ? [200, { product_main_id: 'KBS-2026', margin_tier: 'low', variants: 1 }] : undefined,
    )
    const own = await screen.findByTestId('product-KBS-2026')
    expect(within(own).getByTestId('provider')).toHaveTextContent('Kendi mağaza')
    expect(own).toHaveTextContent('129,90 TL')
    const marketplace = screen.getByTestId('product-KG-2026')
    expect(within(marketplace).getByTestId('provider')).toHaveTextContent('Trendyol')
    expect(marketplace).toHaveTextContent('tükendi')
    expect(marketplace).toHaveTextContent('3 varyant')
    await userEvent.selectOptions(screen.getByLabelText('Keten Bakım Spreyi marjı'), 'low')
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(patch.path).toBe('/api/revenue/products/KBS-2026')
    expect(patch.body).toEqual({ margin_tier: 'low' })
  })

  it('searches by what is typed', async () => {
    const calls = renderPage('/revenue/products', AGENT)
    await screen.findByTestId('product-KBS-2026')
    await userEvent.type(screen.getByTestId('product-search'), 'keten')
    await waitFor(() => expect(calls.some((c) => c.path === '/api/revenue/products' && c.query?.includes('q=keten'))).toBe(true))
  })

  it('uploads the CSV as it is and shows the report with the rejected lines', async () => {
    const report = { rows: 2, created: 1, updated: 0, tiers_set: 0, rejected: [{ line: 3, reason: "price 'abc' is not a number" }] }
    const calls = renderPage('/revenue/products', OWNER, (call) =>
      call.path === '/api/revenue/products/import' ? [200, report] : undefined,
    )
    await screen.findByTestId('product-KBS-2026')
    expect(screen.getByText(/barkod \(zorunlu\), ürün adı, kategori, fiyat, stok, marj \(düşük \/ orta \/ yüksek\), durum \(aktif \/ pasif\)/)).toBeInTheDocument()
    const csv = 'barkod;ürün adı;fiyat\nNEW-1;Yeni Ürün;99,90\nNEW-2;Bozuk;abc\n'
    await userEvent.upload(screen.getByTestId('import-file'), new File([csv], 'urunler.csv', { type: 'text/csv' }))
    await userEvent.click(screen.getByTestId('import-submit'))
    const shown = await screen.findByTestId('import-report')
    const upload = calls.find((c) => c.path === '/api/revenue/products/import')!
    expect(upload.method).toBe('POST')
    expect(upload.body).toBe(csv)
    expect(within(shown).getByTestId('import-created')).toHaveTextContent('1 yeni ürün')
    expect(within(shown).getByTestId('import-rejected')).toHaveTextContent('1 reddedildi')
    const rows = within(shown).getAllByRole('row')
    expect(rows[1]).toHaveTextContent('3')
    expect(rows[1]).toHaveTextContent("price 'abc' is not a number")
    // the catalogue is read again
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/revenue/products').length).toBeGreaterThan(1))
  })

  it('shows why a file was refused', async () => {
    renderPage('/revenue/products', OWNER, (call) =>
      call.path === '/api/revenue/products/import' ? [422, { detail: 'no barcode column (expected barcode / barkod)' }] : undefined,
    )
    await screen.findByTestId('product-KBS-2026')
    await userEvent.upload(screen.getByTestId('import-file'), new File(['a;b\n1;2\n'], 'x.csv', { type: 'text/csv' }))
    await userEvent.click(screen.getByTestId('import-submit'))
    expect(await screen.findByTestId('import-error')).toHaveTextContent('no barcode column')
    expect(screen.queryByTestId('import-report')).toBeNull()
  })

  it('shows an agent the catalogue without the upload or the tier select', async () => {
    renderPage('/revenue/products', AGENT)
    const own = await screen.findByTestId('product-KBS-2026')
    expect(own).toHaveTextContent('Yüksek')
    expect(within(own).queryByRole('combobox')).toBeNull()
    expect(screen.queryByTestId('import-form')).toBeNull()
    expect(screen.getByTestId('revenue-read-only')).toBeInTheDocument()
  })
})

describe('the import report', () => {
  it('says every row was taken when none was rejected', () => {
    renderWith(<ImportReportView report={{ rows: 3, created: 1, updated: 1, tiers_set: 1, rejected: [] }} />)
    expect(screen.getByTestId('import-rows')).toHaveTextContent('3 satır')
    expect(screen.getByTestId('import-tiers')).toHaveTextContent('1 marj ayarlandı')
    expect(screen.getByText('Bütün satırlar alındı.')).toBeInTheDocument()
    expect(screen.queryByRole('table')).toBeNull()
  })

  it('shows the first 200 rejected rows and counts the rest', () => {
    const rejected = Array.from({ length: 205 }, (_, i) => ({ line: i + 2, reason: 'barcode is empty' }))
    renderWith(<ImportReportView report={{ rows: 205, created: 0, updated: 0, tiers_set: 0, rejected }} />)
    expect(screen.getAllByRole('row')).toHaveLength(1 + 200 + 1)
    expect(screen.getByText('ve 5 satır daha')).toBeInTheDocument()
  })
})

describe('Kurallar', () => {
  it('lists the rules in words and refuses a discount above the maximum', async () => {
    const calls = renderPage('/revenue/rules', OWNER, (call) =>
      call.method === 'POST' ? [201, { ...RULES.rules[0], id: 'r-2', name: 'Yeni paket' }] : undefined,
    )
    const rule = await screen.findByTestId('rule-Keten gömlek + hasır kemer %10')
    expect(rule).toHaveTextContent('Paket')
    expect(rule).toHaveTextContent('Keten Gömlek ürünü → HSK-2026 ürünü')
    expect(rule).toHaveTextContent('%10')
    expect(screen.getByTestId('rule-ceiling')).toHaveTextContent('en fazla %15')

    await userEvent.click(screen.getByTestId('rule-new'))
    const form = screen.getByRole('form', { name: 'Kural formu' })
    await userEvent.type(within(form).getByLabelText('Ad'), 'Yeni paket')
    await userEvent.type(within(form).getByLabelText('Tetikleyen ürün kodları'), 'KG-2026')
    await userEvent.type(within(form).getByLabelText('Önerilen ürün kodları'), 'HSK-2026, KBS-2026')
    const discount = within(form).getByLabelText('İndirim (%)')
    expect(discount).toHaveAttribute('max', '15')
    expect(within(form).getByTestId('rule-discount-max')).toHaveTextContent('En fazla %15')
    await userEvent.clear(discount)
    await userEvent.type(discount, '20')
    expect(within(form).getByTestId('rule-problems')).toHaveTextContent('İndirim en fazla %15 olabilir')
    expect(within(form).getByTestId('rule-save')).toBeDisabled()
    await userEvent.clear(discount)
    await userEvent.type(discount, '12')
    expect(within(form).getByTestId('rule-save')).toBeEnabled()
    await userEvent.click(within(form).getByTestId('rule-save'))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      name: 'Yeni paket',
      kind: 'bundle',
      priority: 100,
      enabled: true,
      trigger: { products: ['KG-2026'], categories: [], tiers: [] },
      target: { products: ['HSK-2026', 'KBS-2026'], categories: [], tier: null, same_category: false },
      discount_percent: 12,
      note: '',
    })
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Kural formu' })).toBeNull())
  })

  it('shows the API’s refusal inline and keeps the form', async () => {
    const detail = 'an upsell offers a higher tier than its trigger’s'
    renderPage('/revenue/rules', OWNER, (call) => (call.method === 'POST' ? [422, { detail }] : undefined))
    await userEvent.click(await screen.findByTestId('rule-new'))
    const form = screen.getByRole('form', { name: 'Kural formu' })
    await userEvent.type(within(form).getByLabelText('Ad'), 'Ters')
    await userEvent.selectOptions(within(form).getByLabelText('Tür'), 'upsell')
    expect(within(form).queryByLabelText('İndirim (%)')).toBeNull()
    await userEvent.click(within(form).getByLabelText('Yüksek marjlı ürünler'))
    await userEvent.selectOptions(within(form).getByLabelText('Önerilen marj'), 'high')
    await userEvent.click(within(form).getByTestId('rule-save'))
    expect(await within(form).findByTestId('rule-error')).toHaveTextContent(detail)
    expect(screen.getByRole('form', { name: 'Kural formu' })).toBeInTheDocument()
  })

  it('switches a rule off with a PATCH, and deletes after a confirmation', async () => {
    const calls = renderPage('/revenue/rules', OWNER, (call) => {
      if (call.method === 'PATCH') return [200, { ...RULES.rules[0], enabled: false }]
      if (call.method === 'DELETE') return [204, null]
      return undefined
    })
    const rule = await screen.findByTestId('rule-Keten gömlek + hasır kemer %10')
    await userEvent.click(within(rule).getByRole('switch'))
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(patch.path).toBe('/api/revenue/rules/r-1')
    expect(patch.body).toEqual({ enabled: false })

    await userEvent.click(within(rule).getByRole('button', { name: 'Sil' }))
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false)
    const dialog = screen.getByRole('dialog')
    expect(dialog).toHaveTextContent('"Keten gömlek + hasır kemer %10" silinsin mi?')
    await userEvent.click(within(dialog).getByTestId('rule-delete-confirm'))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/revenue/rules/r-1')).toBe(true))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  })

  it('shows an agent the rules without edit controls', async () => {
    renderPage('/revenue/rules', AGENT)
    const rule = await screen.findByTestId('rule-Keten gömlek + hasır kemer %10')
    expect(within(rule).getByRole('switch')).toBeDisabled()
    expect(within(rule).queryByRole('button')).toBeNull()
    expect(screen.queryByTestId('rule-new')).toBeNull()
  })
})

describe('Ödeme linkleri', () => {
  it('lists links with status, amount and the conversation', async () => {
    const calls = renderPage('/revenue/links', AGENT)
    const link = await screen.findByTestId('link-INV-ABC')
    expect(within(link).getByTestId('link-status')).toHaveTextContent('Ödendi')
    expect(link).toHaveTextContent('1.049,70 TL')
    expect(link).toHaveTextContent('PayTR')
    expect(within(link).getByTestId('link-conversation')).toHaveAttribute('href', '/inbox/c-1')
    expect(within(link).getByRole('link', { name: 'Sayfayı aç' })).toHaveAttribute('href', 'https://pay.example.test/abc')
    await userEvent.selectOptions(screen.getByLabelText('Durum'), 'expired')
    await waitFor(() => expect(calls.some((c) => c.path === '/api/revenue/links' && c.query?.includes('status=expired'))).toBe(true))
  })
})
