import { describe, expect, it } from 'vitest'
import {
  campaignActions,
  fill,
  localToIso,
  nameInput,
  placeholder,
  ratio,
  slug,
  splitDelay,
  splitTags,
  toMinutes,
  unknownPlaceholders,
  unusedVariables,
  type TemplateDraft,
} from './logic'

const draft: TemplateDraft = {
  name: 'kargo',
  language: 'tr',
  category: 'UTILITY',
  parameter_format: 'POSITIONAL',
  variables: [
    { name: 'customer_name', type: 'text', example: 'Ayşe' },
    { name: 'order_number', type: 'number', example: '1065' },
  ],
  header: 'Kargonuz yolda',
  body: 'Merhaba {{1}}, {{2}} numaralı siparişiniz kargoda.',
  footer: '',
  buttons: [],
}

describe('template text', () => {
  it('fills positional and named placeholders, leaving unknown ones visible', () => {
    const values = { customer_name: 'Mehmet', order_number: '42' }
    expect(fill(draft.body, draft, values)).toBe('Merhaba Mehmet, 42 numaralı siparişiniz kargoda.')
    expect(fill('{{3}} ve {{ 1 }}', draft, values)).toBe('{{3}} ve Mehmet')
    const named = { ...draft, parameter_format: 'NAMED' as const }
    expect(fill('Selam {{customer_name}} {{1}}', named, values)).toBe('Selam Mehmet {{1}}')
    expect(fill('Selam {{customer_name}}', named, { customer_name: '' })).toBe('Selam {{customer_name}}')
  })

  it('writes a variable as {{n}} or {{name}}', () => {
    expect(placeholder(draft, 1)).toBe('{{2}}')
    expect(placeholder({ ...draft, parameter_format: 'NAMED' }, 1)).toBe('{{order_number}}')
  })

  it('finds placeholders without a variable and variables never used', () => {
    expect(unknownPlaceholders({ ...draft, body: 'Merhaba {{1}} {{3}}' })).toEqual(['{{3}}'])
    expect(unusedVariables({ ...draft, body: 'Merhaba {{1}}.' })).toEqual(['order_number'])
    expect(unknownPlaceholders(draft)).toEqual([])
  })

  it('makes names Meta accepts', () => {
    expect(slug('Sipariş Kargoda!')).toBe('siparis_kargoda')
    expect(slug('İADE ÇIKTI')).toBe('iade_cikti')
    expect(nameInput('Kargo Bildirimi_')).toBe('kargo_bildirimi_')
  })
})

describe('delays, tags, rates, campaign buttons', () => {
  it('shows a delay in its largest whole unit and back', () => {
    expect(splitDelay(4320)).toEqual({ amount: 3, unit: 'days' })
    expect(splitDelay(120)).toEqual({ amount: 2, unit: 'hours' })
    expect(splitDelay(90)).toEqual({ amount: 90, unit: 'minutes' })
    expect(splitDelay(0)).toEqual({ amount: 0, unit: 'minutes' })
    expect(toMinutes(2, 'days')).toBe(2880)
  })

  it('reads tags and times', () => {
    expect(splitTags('vip, b2b ,, vip')).toEqual(['vip', 'b2b'])
    expect(localToIso('')).toBeNull()
    expect(localToIso('2026-12-24T10:00')).toMatch(/^2026-12-2\dT\d\d:00:00.000Z$/)
  })

  it('divides safely', () => {
    expect(ratio(1, 4)).toBe('25%')
    expect(ratio(1, 3)).toBe('33.3%')
    expect(ratio(3, 0)).toBe('–')
  })

  it('offers the moves the state machine allows', () => {
    expect(campaignActions('draft')).toEqual(['edit', 'schedule', 'launch', 'delete'])
    expect(campaignActions('running')).toEqual(['pause', 'cancel'])
    expect(campaignActions('paused')).toEqual(['resume', 'cancel'])
    expect(campaignActions('completed')).toEqual([])
  })
})

describe('variable mappings', () => {
  it('is complete when every variable has a field or a non-empty text', async () => {
    const { keepMapped, mappingComplete } = await import('./logic')
    expect(mappingComplete(['a', 'b'], { a: { field: 'order_number' }, b: { value: 'x' } })).toBe(true)
    expect(mappingComplete(['a', 'b'], { a: { field: 'order_number' }, b: { value: '' } })).toBe(false)
    expect(mappingComplete(['a'], {})).toBe(false)
    expect(keepMapped(['a'], { a: { value: '1' }, b: { value: '2' } })).toEqual({ a: { value: '1' } })
  })
})

describe('conditions', () => {
  it('reads a rule condition as a line', async () => {
    const { conditionText } = await import('./logic')
    expect(conditionText({ all: [{ field: 'rating', op: 'lte', value: 2 }] })).toBe('rating ≤ 2')
    expect(conditionText({ all: [{ field: 'category', op: 'in', value: ['a', 'b'] }, { field: 'x', op: 'exists' }] })).toBe(
      'category ∈ a | b, x ✓',
    )
    expect(conditionText({})).toBe('')
  })
})

describe('condition clauses', () => {
  it('sends numbers for comparisons, lists for "in", nothing for no clause', async () => {
    const { clausesOf, conditionOf } = await import('./logic')
    expect(conditionOf([])).toEqual({})
    expect(
      conditionOf([
        { field: 'rating', op: 'lte', value: '2' },
        { field: 'category', op: 'in', value: 'Ayakkabı, Çanta' },
        { field: 'product', op: 'contains', value: 'bot' },
        { field: 'comment', op: 'exists', value: 'x' },
      ]),
    ).toEqual({
      all: [
        { field: 'rating', op: 'lte', value: 2 },
        { field: 'category', op: 'in', value: ['Ayakkabı', 'Çanta'] },
        { field: 'product', op: 'contains', value: 'bot' },
        { field: 'comment', op: 'exists' },
      ],
    })
    expect(clausesOf({ all: [{ field: 'rating', op: 'lte', value: 2 }] })).toEqual([{ field: 'rating', op: 'lte', value: 2 }])
    expect(clausesOf({})).toEqual([])
  })
})
