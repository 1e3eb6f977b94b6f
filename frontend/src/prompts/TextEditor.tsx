import { useEffect, useRef, useState } from 'react'
import { useI18n } from '../i18n'
import { sample } from './api'
import { Highlighted } from './Highlighted'
import {
  displayText,
  LANGUAGE_NAMES,
  MAX_TEXT,
  ownText,
  placeholders,
  problemsOf,
  problemText,
  TONES,
  toneOf,
  typeLabel,
  withEntry,
  withText,
  type Content,
  type Problem,
  type PromptKey,
  type Tone,
} from './logic'
import { VariableTextarea, type VariableTextareaHandle } from './VariableTextarea'

type Props = {
  spec: PromptKey
  language: string
  onLanguage: (language: string) => void
  content: Content
  onContent: (content: Content) => void
  readOnly: boolean
  problems: Problem[]
}

type Sample = { text: string; problems: Problem[]; values: Record<string, string> }

/** One text of the version in one language: the version's own text over the shipped one, its
 * variables (autocompleted), what is wrong with it, and how it reads with example values. */
export function TextEditor({ spec, language, onLanguage, content, onContent, readOnly, problems }: Props) {
  const { t } = useI18n()
  const tone = toneOf(content, spec.agents)
  const own = ownText(content, language, spec.key)
  const shipped = spec.shipped[tone]?.[language]
  const mine = problemsOf(problems, spec.key, language)
  const text = useRef<VariableTextareaHandle>(null)
  const human = useRef<VariableTextareaHandle>(null)
  const lastFocused = useRef<'text' | 'human'>('text')
  const preview = useSample(spec.key, language, tone, own)

  const set = (value: unknown) => onContent(withText(content, language, spec.key, value))
  const used = new Set<string>()
  for (const part of typeof own === 'string' ? [own] : own && typeof own === 'object' ? Object.values(own) : [])
    if (typeof part === 'string') placeholders(part).forEach((name) => used.add(name))
  const hasOwn = own !== undefined
  const toneName = t(`prompts.tone.${tone}`)

  return (
    <section className="prompt-editor" aria-label={t('prompts.editor')}>
      <header className="prompt-editor-head">
        <h2 className="mono">{spec.key}</h2>
        <span className="tag">{t(`prompts.kind.${spec.kind}`)}</span>
        <span className="muted small">{spec.source}</span>
      </header>
      <p className="hint">{spec.description}</p>

      <div className="lang-tabs" role="tablist" aria-label={t('prompts.language')}>
        {spec.languages.map((code) => (
          <button
            key={code}
            type="button"
            role="tab"
            aria-selected={code === language}
            className={code === language ? 'active' : ''}
            data-testid={`prompt-lang-${code}`}
            onClick={() => onLanguage(code)}
          >
            {LANGUAGE_NAMES[code] ?? code}
            {ownText(content, code, spec.key) !== undefined && (
              <span className="own-dot" title={t('prompts.ownText')} aria-label={t('prompts.ownText')} />
            )}
            {problemsOf(problems, spec.key, code).length > 0 && <span className="problem-dot" aria-label="!" />}
          </button>
        ))}
      </div>

      {spec.kind !== 'map' && spec.variables.length > 0 && (
        <div className="chips" aria-label={t('prompts.variables')}>
          <span className="muted small">{t('prompts.variables')}:</span>
          {spec.variables.map((variable) => {
            const required = spec.required.includes(variable.name)
            const missing = required && hasOwn && !used.has(variable.name)
            return (
              <button
                key={variable.name}
                type="button"
                className={`chip${required ? ' required' : ''}${used.has(variable.name) ? ' used' : ''}${missing ? ' missing' : ''}`}
                disabled={readOnly}
                data-testid={`prompt-chip-${variable.name}`}
                title={`${typeLabel(t, variable.type)} · ${variable.description}\n${t('prompts.example')}: ${variable.example[language] ?? ''}`}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => (lastFocused.current === 'human' ? human : text).current?.insert(variable.name)}
              >
                {`{${variable.name}}`}
                {required && <span className="req-mark" aria-label={t('prompts.required')}>*</span>}
              </button>
            )
          })}
          {spec.required.length > 0 && <span className="muted small">* {t('prompts.requiredHint')}</span>}
        </div>
      )}

      {(spec.kind === 'reply' || spec.kind === 'fragment') && (
        <VariableTextarea
          ref={text}
          label={t('prompts.text')}
          value={typeof own === 'string' ? own : ''}
          placeholder={typeof shipped === 'string' ? shipped : ''}
          onChange={(value) => set(value === '' ? undefined : value)}
          variables={spec.variables}
          required={spec.required}
          language={language}
          readOnly={readOnly}
          invalid={mine.length > 0}
          rows={spec.kind === 'fragment' ? 2 : 6}
          onFocus={() => (lastFocused.current = 'text')}
        />
      )}

      {spec.kind === 'chat' &&
        (['system', 'human'] as const).map((part) => {
          const shippedPart = (shipped as Record<string, string> | undefined)?.[part] ?? ''
          const ownPart = (own as Record<string, string> | undefined)?.[part]
          return (
            <div className="field" key={part}>
              <span>{t(`prompts.chat.${part}`)}</span>
              <VariableTextarea
                ref={part === 'system' ? text : human}
                testId={`prompt-text-${part}`}
                label={t(`prompts.chat.${part}`)}
                value={ownPart ?? ''}
                placeholder={shippedPart}
                onChange={(value) => set(withEntry(own, shipped, part, value))}
                variables={spec.variables}
                required={spec.required}
                language={language}
                readOnly={readOnly}
                rows={part === 'system' ? 14 : 3}
                onFocus={() => (lastFocused.current = part === 'human' ? 'human' : 'text')}
              />
            </div>
          )
        })}

      {spec.kind === 'map' && (
        <table className="map-table">
          <tbody>
            {spec.map_keys.map((entry) => {
              const shippedEntry = (shipped as Record<string, string> | undefined)?.[entry] ?? ''
              const ownEntry = (own as Record<string, string> | undefined)?.[entry]
              const invalid = mine.some((p) => p.field === entry)
              return (
                <tr key={entry}>
                  <td className="mono">{entry}</td>
                  <td>
                    <input
                      aria-label={entry}
                      data-testid={`prompt-entry-${entry}`}
                      dir="auto"
                      value={ownEntry ?? ''}
                      placeholder={shippedEntry}
                      readOnly={readOnly}
                      aria-invalid={invalid || undefined}
                      maxLength={200}
                      onChange={(e) => set(withEntry(own, shipped, entry, e.target.value))}
                    />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}

      <div className="editor-actions">
        <span className={hasOwn ? 'own-state' : 'muted'}>
          {hasOwn ? t('prompts.usingOwn') : t('prompts.usingShipped', { tone: toneName })}
        </span>
        {typeof own === 'string' && (
          <span className={own.length > MAX_TEXT ? 'error small' : 'muted small'}>
            {own.length}/{MAX_TEXT}
          </span>
        )}
        <span className="spacer" />
        {!readOnly && !hasOwn && shipped !== undefined && (
          <button type="button" onClick={() => set(shipped)} data-testid="prompt-write-own">
            {t('prompts.writeOwn')}
          </button>
        )}
        {!readOnly && hasOwn && (
          <button type="button" onClick={() => set(undefined)} data-testid="prompt-reset">
            {t('prompts.reset')}
          </button>
        )}
      </div>

      {mine.length > 0 && (
        <ul className="problems" data-testid="prompt-problems" aria-live="polite">
          {mine.map((problem, index) => (
            <li key={index}>
              {problem.field && spec.kind !== 'reply' && spec.kind !== 'fragment' && (
                <span className="mono">{problem.field}: </span>
              )}
              {problemText(t, problem)}
            </li>
          ))}
        </ul>
      )}

      <div className="prompt-preview">
        <h3>{t('prompts.livePreview')}</h3>
        {preview === null ? (
          <p className="muted small">{t('common.loading')}</p>
        ) : preview.problems.length > 0 || mine.length > 0 ? (
          <p className="muted small">{t('prompts.previewNeedsFix')}</p>
        ) : (
          <div className="wa-phone compact">
            <div className="wa-bubble" data-testid="prompt-sample" dir="auto">
              {preview.text}
            </div>
          </div>
        )}
        {preview && Object.keys(preview.values).length > 0 && (
          <dl className="sample-values">
            {Object.entries(preview.values).map(([name, value]) => (
              <div key={name}>
                <dt className="mono">{`{${name}}`}</dt>
                <dd dir="auto">{value}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>

      <div className="tone-compare">
        <h3>{t('prompts.shippedTones')}</h3>
        <div className="tone-cols">
          {TONES.map((name: Tone) => {
            const value = spec.shipped[name]?.[language]
            return (
              <div key={name} className={`tone-col${name === tone ? ' current' : ''}`} data-testid={`prompt-shipped-${name}`}>
                <div className="tone-col-head">
                  <strong>{t(`prompts.tone.${name}`)}</strong>
                  {name === tone && <span className="tag">{t('prompts.inUse')}</span>}
                  <span className="spacer" />
                  {!readOnly && value !== undefined && (
                    <button type="button" className="link" onClick={() => set(value)}>
                      {t('prompts.copyThis')}
                    </button>
                  )}
                </div>
                <div className="tone-text" dir="auto">
                  <Highlighted text={displayText(value)} />
                </div>
              </div>
            )
          })}
        </div>
      </div>
    </section>
  )
}

/** The text rendered with example values by the API (debounced while typing). */
function useSample(key: string, language: string, tone: Tone, own: unknown): Sample | null {
  const [result, setResult] = useState<{ for: string; sample: Sample } | null>(null)
  const request = JSON.stringify({ key, language, tone, own: own ?? null })
  useEffect(() => {
    const controller = new AbortController()
    const body = JSON.parse(request) as { key: string; language: string; tone: Tone; own: unknown }
    const timer = window.setTimeout(async () => {
      try {
        const answer = await sample(
          { key: body.key, language: body.language, tone: body.tone, ...(body.own !== null ? { text: body.own } : {}) },
          controller.signal,
        )
        if (answer && !controller.signal.aborted) setResult({ for: request, sample: answer })
      } catch {
        // aborted: a newer text is being rendered
      }
    }, 250)
    return () => {
      window.clearTimeout(timer)
      controller.abort()
    }
  }, [request])
  // While a newer text renders, the last rendering stays (no flicker); another key starts empty.
  if (!result) return null
  const previous = JSON.parse(result.for) as { key: string; language: string }
  return previous.key === key && previous.language === language ? result.sample : null
}
