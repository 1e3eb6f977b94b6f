import { describe, expect, it } from 'vitest'
import { translate } from '../i18n'
import type { RuleOut } from './api'
import {
  dailySeries,
  dayLabel,
  draftOf,
  EMPTY_RULE,
  ruleProblems,
  ruleText,
  selectorText,
  specOf,
  specOfRule,
  splitList,
  targetText,
  tl,
} from './logic'

const tr = (key: string, vars?: Record<string, string | number>) => translate('tr', key, vars)
const en = (key: string, vars?: Record<string, string | number>) => translate('en', key, vars)

const UPSELL: RuleOut = {
  id: 'r-1',
  name: 'Basic tişörtten üst segmente',
  kind: 'upsell',
  priority: 100,
  enabled: true,
  trigger: { products: [], categories: ['Tişört'], tiers: ['low'] },
  target: { products: [], categories: ['Sweatshirt', 'Tişört'], tier: 'high', same_category: false },
  discount_percent: 0,
  note: '',
  updated_at: '2026-12-01T09:00:00Z',
}

describe('money', () => {
  it('formats the API decimal strings as Turkish lira', () => {
    expect(tl('1049.70', 'tr')).toBe('1.049,70 TL')
    expect(tl('129.9', 'tr')).toBe('129,90 TL')
    expect(tl(0, 'tr')).toBe('0,00 TL')
    expect(tl('1049.70', 'en')).toBe('1,049.70 TL')
    expect(tl('12.5', 'tr', 'EUR')).toBe('12,50 EUR')
  })

  it('says "–" for nothing and shows what it cannot read', () => {
    expect(tl(null, 'tr')).toBe('–')
    expect(tl(undefined, 'tr')).toBe('–')
    expect(tl('', 'tr')).toBe('–')
    expect(tl('abc', 'tr')).toBe('abc')
  })
})

describe('rules in words', () => {
  it('says what triggers a rule and what it offers', () => {
    expect(ruleText(tr, UPSELL)).toBe('Tişört kategorisi, düşük marj → Sweatshirt veya Tişört kategorisi, yüksek marj')
    expect(ruleText(en, UPSELL)).toBe('category Tişört, low margin → category Sweatshirt or Tişört, high margin')
  })

  it('names products by title when the catalogue knows them, by id otherwise', () => {
    const titles = { 'KG-2026': 'Keten Gömlek' }
    expect(selectorText(tr, { products: ['KG-2026', 'XX-1'] }, titles)).toBe('Keten Gömlek veya XX-1 ürünü')
    expect(targetText(tr, { products: ['KG-2026'], same_category: false }, titles)).toBe('Keten Gömlek ürünü')
  })

  it('lists three alternatives with commas, then "veya"', () => {
    expect(selectorText(tr, { categories: ['Gömlek', 'Elbise', 'Pantolon'] })).toBe('Gömlek, Elbise veya Pantolon kategorisi')
    expect(selectorText(tr, { tiers: ['low', 'medium'] })).toBe('düşük veya orta marj')
  })

  it('says "aynı kategori" for an upsell within the trigger’s category, "–" for nothing', () => {
    expect(targetText(tr, { tier: 'high', same_category: true })).toBe('yüksek marj, aynı kategori')
    expect(selectorText(tr, {})).toBe('–')
  })
})

describe('the rule form', () => {
  it('splits comma-separated lists, once each', () => {
    expect(splitList(' KG-2026, HSK-2026 ,, KG-2026 ')).toEqual(['KG-2026', 'HSK-2026'])
    expect(splitList('')).toEqual([])
  })

  it('round-trips a stored rule through the form', () => {
    expect(specOf(draftOf(UPSELL))).toEqual(specOfRule(UPSELL))
  })

  it('sends a discount only with a bundle', () => {
    const draft = { ...EMPTY_RULE, name: ' Paket ', kind: 'cross_sell' as const, discount: 10, triggerCategories: 'Gömlek' }
    const spec = specOf(draft)
    expect(spec.discount_percent).toBe(0)
    expect(spec.name).toBe('Paket')
    expect(spec.target.tier).toBeNull()
    expect(specOf({ ...draft, kind: 'bundle' }).discount_percent).toBe(10)
  })

  it('refuses a bundle discount above the tenant’s maximum before the API does', () => {
    const draft = { ...EMPTY_RULE, name: 'Paket', triggerProducts: 'KG-2026', targetProducts: 'HSK-2026', discount: 20 }
    expect(ruleProblems(draft, 15)).toEqual(['discount'])
    expect(ruleProblems({ ...draft, discount: 15 }, 15)).toEqual([])
    expect(ruleProblems({ ...draft, kind: 'cross_sell' }, 15)).toEqual([])
    expect(ruleProblems({ ...draft, discount: 2.5 }, 15)).toEqual(['discountWhole'])
  })

  it('needs a name and a trigger', () => {
    expect(ruleProblems(EMPTY_RULE, 15)).toEqual(['name', 'trigger'])
    expect(ruleProblems({ ...EMPTY_RULE, name: 'x', triggerTiers: ['low'] }, 15)).toEqual([])
  })

  it('flips only "enabled" when a rule is switched', () => {
    const spec = specOfRule(UPSELL, { enabled: false })
    expect(spec).toEqual({ ...specOfRule(UPSELL), enabled: false })
    expect(spec).not.toHaveProperty('id')
  })
})

describe('the daily revenue', () => {
  it('fills the period with zero days, oldest first', () => {
    const today = new Date('2026-12-05T10:00:00Z')
    const series = dailySeries([{ day: '2026-12-04', revenue: '1049.70' }], 3, today)
    expect(series).toEqual([
      { day: '2026-12-03', revenue: 0 },
      { day: '2026-12-04', revenue: 1049.7 },
      { day: '2026-12-05', revenue: 0 },
    ])
  })

  it('keeps a day the browser’s clock has not reached', () => {
    const today = new Date('2026-12-05T10:00:00Z')
    expect(dailySeries([{ day: '2026-12-06', revenue: '5' }], 1, today).map((d) => d.day)).toEqual([
      '2026-12-05',
      '2026-12-06',
    ])
  })

  it('labels days the local way', () => {
    expect(dayLabel('2026-12-04', 'tr')).toBe('04.12')
    expect(dayLabel('2026-12-04', 'en')).toBe('04/12')
  })
})
