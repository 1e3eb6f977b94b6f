import { useI18n } from '../i18n'
import { agentLabel } from '../labels'
import type { KeyGroup } from './logic'

/** The texts, grouped by the agent that sends them, with a search; a dot marks a text the
 * version writes itself, a red one a text with a problem. */
export function KeyList({
  groups,
  selected,
  onSelect,
  overridden,
  withProblems,
  query,
  onQuery,
  onlyOwn,
  onOnlyOwn,
  total,
}: {
  groups: KeyGroup[]
  selected: string | null
  onSelect: (key: string) => void
  overridden: Set<string>
  withProblems: Set<string>
  query: string
  onQuery: (query: string) => void
  onlyOwn: boolean
  onOnlyOwn: (value: boolean) => void
  total: number
}) {
  const { t } = useI18n()
  const seen = new Set<string>()
  const shown = new Set(groups.flatMap((g) => g.keys.map((k) => k.key))).size
  return (
    <nav className="key-list" aria-label={t('prompts.texts')}>
      <div className="key-list-head">
        <input
          type="search"
          data-testid="prompt-search"
          aria-label={t('prompts.search')}
          placeholder={t('prompts.search')}
          value={query}
          onChange={(e) => onQuery(e.target.value)}
        />
        <label className="check-line small">
          <input type="checkbox" checked={onlyOwn} onChange={(e) => onOnlyOwn(e.target.checked)} />
          {t('prompts.onlyOwn', { n: overridden.size })}
        </label>
        <span className="muted small">{t('prompts.shownOf', { n: shown, total })}</span>
      </div>
      <div className="key-groups">
        {groups.length === 0 && <p className="muted pad">{t('prompts.noMatch')}</p>}
        {groups.map((group) => (
          <section key={group.agent ?? ''} className="key-group">
            <h3>
              {group.agent === null ? t('prompts.general') : agentLabel(t, group.agent)}
              <span className="muted"> · {group.keys.length}</span>
            </h3>
            <ul>
              {group.keys.map((spec) => {
                // A key of several agents is listed under each; the first one carries the test id.
                const first = !seen.has(spec.key)
                seen.add(spec.key)
                return (
                  <li key={spec.key}>
                    <button
                      type="button"
                      className={`key-item${spec.key === selected ? ' selected' : ''}`}
                      aria-current={spec.key === selected ? 'true' : undefined}
                      data-testid={first ? `prompt-key-${spec.key}` : undefined}
                      data-key={spec.key}
                      title={spec.description}
                      onClick={() => onSelect(spec.key)}
                    >
                      <span className="key-name mono">{spec.key}</span>
                      {overridden.has(spec.key) && (
                        <span className="own-dot" data-testid="prompt-own-dot" aria-label={t('prompts.ownText')} title={t('prompts.ownText')} />
                      )}
                      {withProblems.has(spec.key) && <span className="problem-dot" aria-label={t('prompts.hasProblems')} />}
                      <span className="key-desc">{spec.description}</span>
                    </button>
                  </li>
                )
              })}
            </ul>
          </section>
        ))}
      </div>
    </nav>
  )
}
