import { describe, expect, it } from 'vitest'
import { translate } from '../i18n'
import { trendyolProblem, turkishPhone } from './OnboardingPage'

const tr = (key: string) => translate('tr', key)
const en = (key: string) => translate('en', key)

describe('trendyolProblem', () => {
  it('explains a refused key in the UI language', () => {
    const answer = { reason: 'invalid_credentials', detail: 'API Key veya API Secret hatalı.' }
    expect(trendyolProblem(tr, answer)).toMatch(/^API anahtarı veya gizli anahtar hatalı/)
    expect(trendyolProblem(en, answer)).toMatch(/^The API key or secret is wrong/)
  })
  it("falls back to the API's own text for a reason it does not know", () => {
    expect(trendyolProblem(tr, { reason: 'brand_new', detail: 'Yeni bir sorun.' })).toBe('Yeni bir sorun.')
    expect(trendyolProblem(tr, null)).toBe('Bir hata oluştu')
  })
})

describe('turkishPhone', () => {
  it('groups a Turkish mobile number and leaves others alone', () => {
    expect(turkishPhone('905321112233')).toBe('+90 532 111 22 33')
    expect(turkishPhone('4915112345678')).toBe('4915112345678')
  })
})
