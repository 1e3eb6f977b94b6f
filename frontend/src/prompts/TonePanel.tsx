import { useState } from 'react'
import { useAuth } from '../auth'
import { useI18n } from '../i18n'
import { agentLabel } from '../labels'
import { Highlighted } from './Highlighted'
import { LANGUAGE_NAMES, ownText, preferredAgents, renderExample, sampleKeys, TONES, toneOf, withTone, type Content, type PromptKey, type Tone } from './logic'

/** The version's tone: one for every text, and an agent's own where it differs; with a few
 * texts as they read in it. A text the version wrote itself keeps its words in any tone. */
export function TonePanel({
  keys,
  agents,
  content,
  onContent,
  readOnly,
}: {
  keys: PromptKey[]
  agents: string[]
  content: Content
  onContent: (content: Content) => void
  readOnly: boolean
}) {
  const { t, lang } = useI18n()
  const [language, setLanguage] = useState<string>(lang)
  const [focus, setFocus] = useState<string | null>(null)
  const defaultTone = content.tone?.default ?? 'formal'
  const { me } = useAuth()
  const preferred = preferredAgents(me?.tenant_vertical)
  const rank = (agent: string) => (preferred.includes(agent) ? preferred.indexOf(agent) : preferred.length)
  const usable = agents
    .filter((agent) => keys.some((k) => k.agents.includes(agent)))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const shown = sampleKeys(keys, focus, 3)
  const shownTone = focus === null ? defaultTone : toneOf(content, [focus])

  return (
    <section className="tone-panel" aria-label={t('prompts.tab.tone')}>
      <div className="tone-settings">
        <label className="field inline">
          <strong>{t('prompts.defaultTone')}</strong>
          <select
            data-testid="prompt-tone-default"
            aria-label={t('prompts.defaultTone')}
            value={defaultTone}
            disabled={readOnly}
            onChange={(e) => {
              onContent(withTone(content, null, e.target.value as Tone))
              setFocus(null)
            }}
          >
            {TONES.map((tone) => (
              <option key={tone} value={tone}>
                {t(`prompts.tone.${tone}`)}
              </option>
            ))}
          </select>
        </label>
        <ul className="tone-help">
          {TONES.map((tone) => (
            <li key={tone}>
              <strong>{t(`prompts.tone.${tone}`)}</strong>: {t(`prompts.tone.${tone}.hint`)}
            </li>
          ))}
        </ul>
        <table className="grid tone-agents">
          <thead>
            <tr>
              <th>{t('prompts.agent')}</th>
              <th>{t('prompts.tone')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {usable.map((agent) => {
              const own = content.tone?.agents?.[agent]
              return (
                <tr key={agent} className={focus === agent ? 'selected' : ''}>
                  <td>{agentLabel(t, agent)}</td>
                  <td>
                    <select
                      data-testid={`prompt-tone-${agent}`}
                      aria-label={`${t('prompts.tone')} ${agentLabel(t, agent)}`}
                      value={own ?? ''}
                      disabled={readOnly}
                      onChange={(e) => {
                        onContent(withTone(content, agent, (e.target.value || null) as Tone | null))
                        setFocus(agent)
                      }}
                    >
                      <option value="">{t('prompts.followDefault', { tone: t(`prompts.tone.${defaultTone}`) })}</option>
                      {TONES.map((tone) => (
                        <option key={tone} value={tone}>
                          {t(`prompts.tone.${tone}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button type="button" className="link" onClick={() => setFocus(agent)}>
                      {t('prompts.showSamples')}
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <p className="hint">{t('prompts.toneOwnHint')}</p>
      </div>

      <div className="tone-samples">
        <div className="box-head">
          <h3>
            {t('prompts.toneSamples', {
              who: focus === null ? t('prompts.general') : agentLabel(t, focus),
              tone: t(`prompts.tone.${shownTone}`),
            })}
          </h3>
          <span className="spacer" />
          {focus !== null && (
            <button type="button" className="link" onClick={() => setFocus(null)}>
              {t('prompts.general')}
            </button>
          )}
          <div className="lang-switch" role="group" aria-label={t('prompts.language')}>
            {['tr', 'en', 'ar'].map((code) => (
              <button
                key={code}
                type="button"
                className={code === language ? 'active' : ''}
                aria-pressed={code === language}
                onClick={() => setLanguage(code)}
              >
                {code.toUpperCase()}
              </button>
            ))}
          </div>
        </div>
        {shown.map((spec) => {
          const own = ownText(content, language, spec.key)
          const text = typeof own === 'string' ? own : String(spec.shipped[shownTone]?.[language] ?? '')
          return (
            <div key={spec.key} className="tone-sample" data-testid={`prompt-tone-sample-${spec.key}`}>
              <div className="muted small">
                <span className="mono">{spec.key}</span> · {LANGUAGE_NAMES[language]}
                {typeof own === 'string' && <span className="tag">{t('prompts.ownText')}</span>}
              </div>
              <div className="wa-bubble" dir="auto">
                <Highlighted text={renderExample(text, spec.variables, language)} />
              </div>
            </div>
          )
        })}
      </div>
    </section>
  )
}
