import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { api, errorText, type Schemas } from '../api/client'
import { useAuth } from '../auth'
import { unwrap } from '../outbound/api'

// The request bodies are generated from the API; its answers are untyped there (the routes
// return plain dicts), so their shapes are written here from invekto/api/routes/revenue.py.
export type RuleSpec = Schemas['RuleSpec']
export type Selector = Schemas['Selector']
export type Target = Schemas['Target']
export type Tier = Schemas['TierIn']['margin_tier']

export type Product = {
  product_main_id: string
  title: string
  category: string
  margin_tier: Tier
  /** A decimal string ("129.90"), null when unknown. */
  price: string | null
  stock: number
  /** ``own`` (the seller's own web shop, paid by payment link) or the marketplace (``trendyol``). */
  provider: string
  url: string | null
  variants: number
}
export type ProductList = { total: number; products: Product[] }
export type RowError = { line: number; reason: string }
export type ImportReport = { rows: number; created: number; updated: number; tiers_set: number; rejected: RowError[] }
export type RuleOut = RuleSpec & { id: string; updated_at: string | null }
export type RuleList = { rules: RuleOut[]; max_discount_percent: number; discount_auto_percent: number }
export type LinkStatus = 'creating' | 'sent' | 'paid' | 'failed' | 'expired'
export type PaymentLink = {
  id: string
  reference: string
  provider: string
  purpose: string
  description: string
  amount: string
  currency: string
  status: LinkStatus
  url: string | null
  conversation_id: string | null
  created_at: string
  expires_at: string
  paid_at: string | null
  last_error: string | null
}
export type Counts = { shown: number; accepted: number; rejected: number }
export type Summary = {
  days: number
  recommendations: Counts & { acceptance_rate: number | null; by_source: Record<string, Counts> }
  payment_links: {
    by_status: Record<string, number>
    created: number
    paid: number
    revenue: string
    daily: { day: string; revenue: string }[]
  }
  leads: Partial<Record<'hot' | 'warm' | 'cold' | 'unscored', number>>
  carts: { recovered: number; recovered_total: string }
}

/** Who may import, set tiers and edit rules (``revenue.manage``: owners and admins). */
export function useCanManage(): boolean {
  return !!useAuth().me?.permissions.includes('revenue.manage')
}

export const KEYS = {
  all: ['revenue'] as const,
  summary: (days: number) => ['revenue', 'summary', days] as const,
  products: ['revenue', 'products'] as const,
  rules: ['revenue', 'rules'] as const,
  links: ['revenue', 'links'] as const,
}

export function useSummary(days: number) {
  return useQuery({
    queryKey: KEYS.summary(days),
    queryFn: async () =>
      unwrap(await api.GET('/api/revenue/summary', { params: { query: { days } } })) as unknown as Summary,
    placeholderData: keepPreviousData,
  })
}

export function useProducts(q: string, limit: number, offset = 0) {
  return useQuery({
    queryKey: [...KEYS.products, q, limit, offset],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/revenue/products', { params: { query: { q: q || undefined, limit, offset } } }),
      ) as unknown as ProductList,
    placeholderData: keepPreviousData,
  })
}

export function useRules() {
  return useQuery({
    queryKey: KEYS.rules,
    queryFn: async () => unwrap(await api.GET('/api/revenue/rules')) as unknown as RuleList,
  })
}

export function useLinks(status: LinkStatus | '') {
  return useQuery({
    queryKey: [...KEYS.links, status],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/revenue/links', { params: { query: { status: status || undefined, limit: 200 } } }),
      ) as unknown as { links: PaymentLink[] },
    placeholderData: keepPreviousData,
  })
}

/** Upload a catalogue CSV as it is (``text/csv``: the API reads UTF-8 and Windows-1254, so the
 * bytes are sent untouched). The report, or the API's reason (413: too big, 422: unreadable). */
export async function importCsv(file: Blob): Promise<{ report?: ImportReport; error?: string; status: number }> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  const { data, error, response } = await api.POST('/api/revenue/products/import', {
    body: bytes as never,
    bodySerializer: (body: unknown) => body,
    headers: { 'Content-Type': 'text/csv' },
  })
  if (error !== undefined || data === undefined) return { error: errorText(error), status: response.status }
  return { report: data as unknown as ImportReport, status: response.status }
}
