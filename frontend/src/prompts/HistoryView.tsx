import { orRaw, useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import { EmptyRow } from '../outbound/EmptyRow'
import { useEvents, type Change } from './api'
import { reasonText } from './logic'

/** The trail: who created, saved, published, rolled back what, and what the gate said. */
export function HistoryView({ current, onOpen }: { current: number; onOpen: (number: number) => void }) {
  const { t, lang } = useI18n()
  const events = useEvents(true)
  const rows = events.data ?? []
  return (
    <section aria-label={t('prompts.tab.history')}>
      {events.isError && <p className="error">{events.error.message}</p>}
      <table className="grid history-table" data-testid="prompt-history">
        <thead>
          <tr>
            <th>{t('prompts.history.when')}</th>
            <th>{t('prompts.version')}</th>
            <th>{t('prompts.history.action')}</th>
            <th>{t('prompts.history.who')}</th>
            <th>{t('prompts.history.what')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <EmptyRow colSpan={5} loading={events.isLoading} text={t('prompts.history.none')} />}
          {rows.map((event, index) => (
            <tr key={index} className={event.number === current ? 'selected' : ''} data-testid="prompt-history-row">
              <td className="muted nowrap">{shortTime(event.at, lang)}</td>
              <td>
                <button type="button" className="link" onClick={() => onOpen(event.number)}>
                  v{event.number}
                </button>
              </td>
              <td>
                <span className={`badge ev-${event.action}`}>{orRaw(t, `prompts.action.${event.action}`, event.action)}</span>
              </td>
              <td>
                {event.user ?? (event.role === 'gate' || event.role === 'system' ? t('prompts.history.system') : '–')}
                {event.user && (
                  <span className="muted small">
                    {' · '}
                    {event.role === 'gate' ? t('prompts.history.gate') : orRaw(t, `role.${event.role}`, event.role)}
                  </span>
                )}
              </td>
              <td className="history-what">{describe(t, event.changes as Change[], event.detail)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function describe(
  t: (key: string, vars?: Record<string, string | number>) => string,
  changes: Change[],
  detail: Record<string, unknown> | null,
): string {
  const parts: string[] = []
  const texts = changes.filter((c) => c.kind === 'text')
  if (texts.length) {
    const names = [...new Set(texts.map((c) => (c.kind === 'text' ? `${c.key} (${c.language})` : '')))]
    const head = names.slice(0, 4).join(', ')
    parts.push(names.length > 4 ? `${head} ${t('prompts.history.more', { n: names.length - 4 })}` : head)
  }
  for (const change of changes)
    if (change.kind === 'tone')
      parts.push(`${t('prompts.tone')}: ${t(`prompts.tone.${change.before}`)} → ${t(`prompts.tone.${change.after}`)}`)
  if (detail) {
    if (typeof detail.rollback_of === 'number') parts.push(t('prompts.history.rollbackOf', { n: detail.rollback_of }))
    if (Array.isArray(detail.reasons)) parts.push((detail.reasons as string[]).map((r) => reasonText(t, r)).join('; '))
    if (typeof detail.error === 'string') parts.push(detail.error.slice(0, 200))
  }
  return parts.join(' · ')
}
