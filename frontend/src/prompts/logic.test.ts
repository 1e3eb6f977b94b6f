import { describe, expect, it } from 'vitest'
import { translate } from '../i18n'
import {
  autocompleteAt,
  defaultVersion,
  filterVariables,
  fold,
  gatePhase,
  groupByAgent,
  insertAt,
  insertVariable,
  matches,
  overriddenKeys,
  placeholders,
  preferredAgents,
  problemsFromError,
  problemText,
  reasonText,
  renderExample,
  sameContent,
  sampleKeys,
  toneOf,
  withEntry,
  withText,
  withTone,
  wordDiff,
  type Content,
  type PromptKey,
  type Variable,
} from './logic'

function key(name: string, agents: string[], overrides: Partial<PromptKey> = {}): PromptKey {
  return {
    key: name,
    kind: 'reply',
    description: `${name} description`,
    source: 'replies.yaml',
    agents,
    variables: [],
    required: [],
    languages: ['tr', 'en', 'ar'],
    map_keys: [],
    shipped: { formal: { tr: `${name} metni`, en: `${name} text` } },
    ...overrides,
  }
}

const VARIABLES: Variable[] = [
  { name: 'order_number', type: 'code', description: 'The order number', example: { tr: '10293847561' } },
  { name: 'cargo', type: 'name', description: 'The carrier of the order', example: { tr: 'Yurtiçi Kargo' } },
  { name: 'tracking_url', type: 'url', description: 'Where to follow the parcel', example: { tr: 'https://t.co/x' } },
]

const tr = (k: string, vars?: Record<string, string | number>) => translate('tr', k, vars)

describe('grouping and searching the texts', () => {
  const keys = [
    key('greeting', []),
    key('handoff', ['returns', 'support']),
    key('order_shipped', ['support']),
    key('clinic_booked', ['clinic']),
    key('return_started', ['returns']),
  ]

  it('puts a key under each of its agents, keys of no agent first in the general group', () => {
    const groups = groupByAgent(keys, ['b2b', 'clinic', 'returns', 'support'], preferredAgents('ecommerce'))
    expect(groups.map((g) => g.agent)).toEqual([null, 'support', 'returns', 'clinic'])
    expect(groups[0].keys.map((k) => k.key)).toEqual(['greeting'])
    expect(groups[1].keys.map((k) => k.key)).toEqual(['handoff', 'order_shipped'])
    expect(groups[2].keys.map((k) => k.key)).toEqual(['handoff', 'return_started'])
  })

  it("puts a clinic's own agent first, and a group for an agent the list does not name", () => {
    const groups = groupByAgent([...keys, key('new_one', ['newagent'])], ['clinic', 'returns', 'support'], preferredAgents('clinic'))
    expect(groups.map((g) => g.agent)).toEqual([null, 'clinic', 'newagent', 'returns', 'support'])
  })

  it('searches the key, its description, the shipped texts and the own text, folding Turkish letters', () => {
    const content: Content = { texts: { tr: { greeting: 'Hoş geldiniz, Şule Hanım' } } }
    expect(matches(keys[0], 'GREET', content)).toBe(true)
    expect(matches(keys[2], 'order shipped', content)).toBe(true)
    expect(matches(keys[2], 'shipped metni', content)).toBe(true)
    expect(matches(keys[0], 'sule hos', content)).toBe(true)
    expect(matches(keys[1], 'sule', content)).toBe(false)
    expect(fold('İADE Iğdır')).toBe('iade igdir')
  })
})

describe('variable autocompletion', () => {
  it('opens after an unclosed { and reads what follows it up to the cursor', () => {
    expect(autocompleteAt('Merhaba {', 9)).toEqual({ start: 8, query: '' })
    expect(autocompleteAt('Merhaba {ord', 12)).toEqual({ start: 8, query: 'ord' })
    expect(autocompleteAt('Merhaba {ord} x', 11)).toEqual({ start: 8, query: 'or' })
    expect(autocompleteAt('Merhaba {order_number} ', 23)).toBeNull()
    expect(autocompleteAt('Merhaba', 7)).toBeNull()
    expect(autocompleteAt('{a b', 4)).toBeNull()
  })

  it('does not open on a literal {{', () => {
    expect(autocompleteAt('a {{', 4)).toBeNull()
    expect(autocompleteAt('a {{{', 5)).toEqual({ start: 4, query: '' })
  })

  it('filters by name first, then by description', () => {
    expect(filterVariables(VARIABLES, '').map((v) => v.name)).toEqual(['order_number', 'cargo', 'tracking_url'])
    expect(filterVariables(VARIABLES, 'c').map((v) => v.name)).toEqual(['cargo', 'tracking_url'])
    expect(filterVariables(VARIABLES, 'or').map((v) => v.name)).toEqual(['order_number'])
    expect(filterVariables(VARIABLES, 'ORD').map((v) => v.name)).toEqual(['order_number', 'cargo'])
    expect(filterVariables(VARIABLES, 'parcel').map((v) => v.name)).toEqual(['tracking_url'])
    expect(filterVariables(VARIABLES, 'zzz')).toEqual([])
  })

  it('inserts {name} over what was typed and puts the cursor after it', () => {
    const text = 'Siparişiniz {ord yolda'
    const at = autocompleteAt(text, 16)!
    expect(insertVariable(text, at.start, 16, 'order_number')).toEqual({
      text: 'Siparişiniz {order_number} yolda',
      cursor: 26,
    })
  })

  it('replaces a whole placeholder when the cursor is inside one', () => {
    const text = 'No: {ordr_numbr}.'
    expect(insertVariable(text, 4, 7, 'order_number')).toEqual({ text: 'No: {order_number}.', cursor: 18 })
  })

  it('inserts a chip at the cursor or over the selection', () => {
    expect(insertAt('Kargo: ', 7, 7, 'cargo')).toEqual({ text: 'Kargo: {cargo}', cursor: 14 })
    expect(insertAt('Kargo: X firması', 7, 8, 'cargo')).toEqual({ text: 'Kargo: {cargo} firması', cursor: 14 })
  })

  it('reads the variables a text uses and renders examples', () => {
    expect([...placeholders('{a} ve {{literal}} ve {b}')]).toEqual(['a', 'b'])
    expect(renderExample('No {order_number}, {unknown} {{x}}', VARIABLES, 'en')).toBe('No 10293847561, {unknown} {x}')
  })
})

describe('word diff', () => {
  it('marks the words removed and added', () => {
    expect(wordDiff('Siparişiniz kargoya verildi.', 'Siparişiniz bugün kargoya verildi!')).toEqual([
      { op: 'same', text: 'Siparişiniz ' },
      { op: 'add', text: 'bugün ' },
      { op: 'same', text: 'kargoya ' },
      { op: 'del', text: 'verildi.' },
      { op: 'add', text: 'verildi!' },
    ])
  })

  it('is all the same for equal texts and all new from nothing', () => {
    expect(wordDiff('a b', 'a b')).toEqual([{ op: 'same', text: 'a b' }])
    expect(wordDiff('', 'yeni metin')).toEqual([{ op: 'add', text: 'yeni metin' }])
  })

  it('rebuilds both texts from its parts', () => {
    const before = 'Merhaba {name}, siparişiniz {order_number} numarasıyla yolda. İyi günler.'
    const after = 'Merhaba, {order_number} numaralı siparişiniz yolda! Teşekkürler, iyi günler.'
    const parts = wordDiff(before, after)
    expect(parts.filter((p) => p.op !== 'add').map((p) => p.text).join('')).toBe(before)
    expect(parts.filter((p) => p.op !== 'del').map((p) => p.text).join('')).toBe(after)
  })
})

describe("building a version's content", () => {
  const base: Content = { tone: { default: 'formal', agents: {} }, texts: { tr: { greeting: 'Merhaba' } } }

  it('sets and removes own texts, dropping an emptied language', () => {
    const added = withText(base, 'en', 'greeting', 'Hello')
    expect(added.texts).toEqual({ tr: { greeting: 'Merhaba' }, en: { greeting: 'Hello' } })
    expect(base.texts).toEqual({ tr: { greeting: 'Merhaba' } })
    const removed = withText(added, 'tr', 'greeting', undefined)
    expect(removed.texts).toEqual({ en: { greeting: 'Hello' } })
    expect([...overriddenKeys(removed)]).toEqual(['greeting'])
  })

  it('sets the default tone and an agent tone; null follows the default again', () => {
    const warm = withTone(base, 'support', 'warm')
    expect(warm.tone).toEqual({ default: 'formal', agents: { support: 'warm' } })
    expect(toneOf(warm, ['support'])).toBe('warm')
    expect(toneOf(warm, ['returns'])).toBe('formal')
    expect(toneOf(warm, [])).toBe('formal')
    const short = withTone(warm, null, 'short')
    expect(toneOf(short, ['returns'])).toBe('short')
    expect(withTone(short, 'support', null).tone).toEqual({ default: 'short', agents: {} })
  })

  it('starts a table or chat prompt from the shipped one when changing one entry', () => {
    const shipped = { Shipped: 'kargoda', Delivered: 'teslim edildi' }
    expect(withEntry(undefined, shipped, 'Shipped', 'yolda')).toEqual({ Shipped: 'yolda', Delivered: 'teslim edildi' })
    expect(withEntry({ Shipped: 'yolda' }, shipped, 'Delivered', 'ulaştı')).toEqual({ Shipped: 'yolda', Delivered: 'ulaştı' })
  })

  it('compares contents as stored (key order and empty languages aside)', () => {
    expect(
      sameContent(
        { tone: { default: 'formal', agents: {} }, texts: { tr: { a: '1', b: '2' }, en: {} } },
        { texts: { tr: { b: '2', a: '1' } }, tone: { default: 'formal' } },
      ),
    ).toBe(true)
    expect(sameContent(base, withText(base, 'tr', 'greeting', 'Selam'))).toBe(false)
    expect(sameContent(base, withTone(base, null, 'warm'))).toBe(false)
  })
})

describe('problems and the gate', () => {
  it('says the API problems in the UI language', () => {
    const problem = (message: string, field: string | null = null) => ({ key: 'k', language: 'tr', message, field })
    expect(problemText(tr, problem('unknown variable {ordr}; this text knows cargo, order_number', 'ordr'))).toBe(
      'Bilinmeyen değişken {ordr}. Bu metnin değişkenleri: cargo, order_number',
    )
    expect(problemText(tr, problem('missing variable {order_number}: it is required'))).toBe(
      'Zorunlu değişken eksik: {order_number}',
    )
    expect(problemText(tr, problem('broken placeholder: an empty {} needs a variable name'))).toBe(
      'Bozuk yer tutucu: an empty {} needs a variable name',
    )
    expect(problemText(tr, problem('something new'))).toBe('something new')
    expect(reasonText(tr, '2 case(s) that pass with the shipped texts fail with this version')).toBe(
      'Hazır metinlerle geçen 2 vaka bu sürümle geçemiyor',
    )
  })

  it("reads a save's 422 problems", () => {
    const problems = [{ key: 'greeting', language: 'tr', message: 'the text cannot be empty', field: null }]
    expect(problemsFromError({ detail: { message: 'x', problems } })).toEqual(problems)
    expect(problemsFromError({ detail: 'version 3 is active: it cannot change' })).toBeNull()
  })

  it("tells the gate's phase from a version", () => {
    expect(gatePhase({ status: 'gating', gate: { started_at: 'x' } })).toBe('running')
    expect(gatePhase({ status: 'active', gate: { passed: true } })).toBe('passed')
    expect(gatePhase({ status: 'refused', gate: { passed: false } })).toBe('refused')
    expect(gatePhase({ status: 'draft', gate: { error: 'the eval run failed' } })).toBe('error')
    expect(gatePhase({ status: 'draft', gate: null })).toBeNull()
  })

  it('opens the newest version in the works, else the live one', () => {
    expect(defaultVersion(undefined)).toBeNull()
    expect(defaultVersion({ active: 0, versions: [] })).toBe(0)
    expect(
      defaultVersion({ active: 2, versions: [{ number: 3, status: 'refused' }, { number: 2, status: 'active' }] }),
    ).toBe(3)
    expect(defaultVersion({ active: 2, versions: [{ number: 2, status: 'active' }, { number: 1, status: 'archived' }] })).toBe(2)
  })

  it('picks sample texts for a tone', () => {
    const keys = [key('thanks', []), key('greeting', []), key('order_shipped', ['support']), key('at', [], { kind: 'fragment' })]
    expect(sampleKeys(keys, null, 3).map((k) => k.key)).toEqual(['greeting', 'thanks'])
    expect(sampleKeys(keys, 'support', 3).map((k) => k.key)).toEqual(['order_shipped'])
  })
})
