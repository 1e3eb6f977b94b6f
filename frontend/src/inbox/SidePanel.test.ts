import { describe, expect, it } from 'vitest'
import { guardText, readable, safeLink } from './SidePanel'

describe('guardText', () => {
  it('says passed when the guard found nothing', () => {
    expect(guardText({ failures: [], fixed: [] })).toBe('passed')
  })
  it('lists failures and fixes', () => {
    expect(
      guardText({ failures: [['no_unseen_pii', 'a phone']], fixed: [['language', 'tr']] }),
    ).toBe('no_unseen_pii: a phone · fixed: language: tr')
  })
})

describe('readable', () => {
  it('pretty-prints JSON results without escapes and keeps other text', () => {
    expect(readable('{"cargo": "Yurti\\u00e7i"}')).toBe('{\n "cargo": "Yurtiçi"\n}')
    expect(readable('not json')).toBe('not json')
  })
})

describe('safeLink', () => {
  it('keeps http(s) links only', () => {
    expect(safeLink('https://kargotakip.example/7330')).toBe('https://kargotakip.example/7330')
    expect(safeLink('javascript:alert(1)')).toBeNull()
    expect(safeLink(null)).toBeNull()
  })
})
