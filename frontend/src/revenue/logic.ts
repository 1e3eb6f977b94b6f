import { locale, type Lang, type Vars } from '../i18n'
import { money } from '../outbound/logic'
import type { RuleOut, RuleSpec, Selector, Target, Tier } from './api'

type T = (key: string, vars?: Vars) => string

export const TIERS: Tier[] = ['low', 'medium', 'high']
export const KINDS: RuleSpec['kind'][] = ['bundle', 'upsell', 'cross_sell']
export const LINK_STATUSES = ['creating', 'sent', 'paid', 'failed', 'expired'] as const
export const PERIODS = [7, 30, 90] as const
/** The API's limits: the upload size (``catalogue.MAX_CSV_BYTES``), ids per list. */
export const MAX_CSV_BYTES = 4 * 1024 * 1024
export const MAX_IDS = 50

/** An amount the API sends as a decimal string ("1049.70") in TL: "1.049,70 TL" (tr). Another
 * currency keeps its code: "12,50 EUR". */
export function tl(value: string | number | null | undefined, lang: Lang, currency = 'TRY'): string {
  if (value === null || value === undefined || value === '') return '–'
  const number = typeof value === 'number' ? value : Number(value)
  if (!Number.isFinite(number)) return String(value)
  const text = money(number, locale(lang))
  return currency === 'TRY' ? text : text.replace(/ TL$/, ` ${currency}`)
}

/** "KG-2026, HSK-2026 ," → ["KG-2026", "HSK-2026"]: trimmed, once each, empty ones dropped. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(',').map((part) => part.trim()).filter(Boolean))]
}

export const joinList = (values: readonly string[] | undefined) => (values ?? []).join(', ')

const anyOf = (t: T, values: string[]) =>
  values.length > 1 ? `${values.slice(0, -1).join(', ')} ${t('rev.or')} ${values.at(-1)}` : values.join('')

/** What a selector picks, in words: "Tişört kategorisi, düşük marj" (every part must hold; the
 * values of one part are alternatives). Product ids are shown by title when ``titles`` knows them. */
export function selectorText(t: T, selector: Selector, titles: Record<string, string> = {}): string {
  const parts: string[] = []
  const products = selector.products ?? []
  const categories = selector.categories ?? []
  const tiers = selector.tiers ?? []
  if (products.length) parts.push(t('rev.sel.products', { list: anyOf(t, products.map((id) => titles[id] ?? id)) }))
  if (categories.length) parts.push(t('rev.sel.categories', { list: anyOf(t, categories) }))
  if (tiers.length) parts.push(t('rev.sel.tiers', { list: anyOf(t, tiers.map((tier) => t(`rev.tierWord.${tier}`))) }))
  return parts.join(', ') || '–'
}

/** What a rule offers, in words: named products or categories, a tier, the trigger's category. */
export function targetText(t: T, target: Target, titles: Record<string, string> = {}): string {
  const parts: string[] = []
  const products = target.products ?? []
  const categories = target.categories ?? []
  if (products.length) parts.push(t('rev.sel.products', { list: anyOf(t, products.map((id) => titles[id] ?? id)) }))
  if (categories.length) parts.push(t('rev.sel.categories', { list: anyOf(t, categories) }))
  if (target.tier) parts.push(t('rev.sel.tiers', { list: t(`rev.tierWord.${target.tier}`) }))
  if (target.same_category) parts.push(t('rev.sel.same'))
  return parts.join(', ') || '–'
}

/** "Tişört kategorisi, düşük marj → yüksek marj, aynı kategori" */
export function ruleText(t: T, rule: Pick<RuleSpec, 'trigger' | 'target'>, titles: Record<string, string> = {}): string {
  return `${selectorText(t, rule.trigger, titles)} → ${targetText(t, rule.target, titles)}`
}

/** A rule as the form edits it: the lists as the comma-separated text typed. */
export type RuleDraft = {
  name: string
  kind: RuleSpec['kind']
  priority: number
  enabled: boolean
  triggerProducts: string
  triggerCategories: string
  triggerTiers: Tier[]
  targetProducts: string
  targetCategories: string
  targetTier: Tier | ''
  sameCategory: boolean
  discount: number
  note: string
}

export const EMPTY_RULE: RuleDraft = {
  name: '',
  kind: 'bundle',
  priority: 100,
  enabled: true,
  triggerProducts: '',
  triggerCategories: '',
  triggerTiers: [],
  targetProducts: '',
  targetCategories: '',
  targetTier: '',
  sameCategory: false,
  discount: 0,
  note: '',
}

export function draftOf(rule: RuleOut): RuleDraft {
  return {
    name: rule.name,
    kind: rule.kind,
    priority: rule.priority,
    enabled: rule.enabled,
    triggerProducts: joinList(rule.trigger.products),
    triggerCategories: joinList(rule.trigger.categories),
    triggerTiers: [...(rule.trigger.tiers ?? [])],
    targetProducts: joinList(rule.target.products),
    targetCategories: joinList(rule.target.categories),
    targetTier: rule.target.tier ?? '',
    sameCategory: rule.target.same_category,
    discount: rule.discount_percent,
    note: rule.note,
  }
}

/** The API's body for a draft: only a bundle carries a discount. */
export function specOf(draft: RuleDraft): RuleSpec {
  return {
    name: draft.name.trim(),
    kind: draft.kind,
    priority: draft.priority,
    enabled: draft.enabled,
    trigger: {
      products: splitList(draft.triggerProducts),
      categories: splitList(draft.triggerCategories),
      tiers: TIERS.filter((tier) => draft.triggerTiers.includes(tier)),
    },
    target: {
      products: splitList(draft.targetProducts),
      categories: splitList(draft.targetCategories),
      tier: draft.targetTier || null,
      same_category: draft.sameCategory,
    },
    discount_percent: draft.kind === 'bundle' ? draft.discount : 0,
    note: draft.note.trim(),
  }
}

/** The rule as stored, re-sent whole (the API has no partial update): ``enabled`` flipped. */
export function specOfRule(rule: RuleOut, patch: Partial<RuleSpec> = {}): RuleSpec {
  const { name, kind, priority, enabled, trigger, target, discount_percent, note } = rule
  return { name, kind, priority, enabled, trigger, target, discount_percent, note, ...patch }
}

/** What keeps the form from saving (the API checks the rest and says why): keys of
 * ``rev.problem.*``. */
export function ruleProblems(draft: RuleDraft, maxDiscount: number): string[] {
  const problems: string[] = []
  const spec = specOf(draft)
  if (!spec.name) problems.push('name')
  if (!spec.trigger.products?.length && !spec.trigger.categories?.length && !spec.trigger.tiers?.length)
    problems.push('trigger')
  if (
    [spec.trigger.products, spec.trigger.categories, spec.target.products, spec.target.categories].some(
      (list) => (list?.length ?? 0) > MAX_IDS,
    )
  )
    problems.push('tooMany')
  if (draft.kind === 'bundle' && draft.discount > maxDiscount) problems.push('discount')
  if (draft.kind === 'bundle' && (draft.discount < 0 || !Number.isInteger(draft.discount))) problems.push('discountWhole')
  if (!Number.isInteger(draft.priority) || draft.priority < 0 || draft.priority > 1000) problems.push('priority')
  return problems
}

/** The period's days, oldest first, each with its revenue (0 when nothing was paid): the API
 * lists only the days with payments (UTC days). */
export function dailySeries(
  daily: { day: string; revenue: string }[],
  days: number,
  today: Date = new Date(),
): { day: string; revenue: number }[] {
  const paid = new Map(daily.map((d) => [d.day, Number(d.revenue) || 0]))
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())
  const series: { day: string; revenue: number }[] = []
  for (let back = days - 1; back >= 0; back--) {
    const day = new Date(end - back * 86_400_000).toISOString().slice(0, 10)
    series.push({ day, revenue: paid.get(day) ?? 0 })
  }
  // A payment the browser's clock has not reached yet (another zone): keep it, never drop money.
  for (const [day, revenue] of paid) if (!series.some((d) => d.day === day)) series.push({ day, revenue })
  return series.sort((a, b) => a.day.localeCompare(b.day))
}

/** "28.11" (tr) / "28/11" (en) from an ISO day. */
export function dayLabel(day: string, lang: Lang): string {
  const [, month, date] = day.split('-')
  return lang === 'tr' ? `${date}.${month}` : `${date}/${month}`
}
