import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { DICTIONARY, I18nProvider, translate, useI18n } from './i18n'

describe('translate', () => {
  it('fills variables', () => {
    expect(translate('tr', 'dash.headline', { n: 42 })).toBe('Bugün 42 mesaj otomatik cevaplandı')
    expect(translate('en', 'dash.headline', { n: 3 })).toBe(
      'Today 3 messages were answered automatically',
    )
  })

  it('falls back to the other language, then to the key', () => {
    const dictionary = { tr: { only_tr: 'yalnız' }, en: { only_en: 'only' } }
    expect(translate('en', 'only_tr', undefined, dictionary)).toBe('yalnız')
    expect(translate('tr', 'only_en', undefined, dictionary)).toBe('only')
    expect(translate('tr', 'nowhere', undefined, dictionary)).toBe('nowhere')
  })

  it('leaves unknown variables visible', () => {
    expect(translate('tr', 'dash.headline', {})).toBe('Bugün {n} mesaj otomatik cevaplandı')
  })

  it('has every key in both languages', () => {
    expect(Object.keys(DICTIONARY.en).sort()).toEqual(Object.keys(DICTIONARY.tr).sort())
  })
})

function Probe() {
  const { t, setLang } = useI18n()
  return (
    <button type="button" onClick={() => setLang('en')}>
      {t('nav.inbox')}
    </button>
  )
}

describe('I18nProvider', () => {
  it('is Turkish by default and remembers the switch', async () => {
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    )
    const button = screen.getByRole('button')
    expect(button).toHaveTextContent('Gelen kutusu')
    await userEvent.click(button)
    expect(button).toHaveTextContent('Inbox')
    expect(window.localStorage.getItem('invekto.lang')).toBe('en')
  })
})
