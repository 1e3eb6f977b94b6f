import type { Schemas } from '../api/client'
import { locale, useI18n, type Lang, type Vars } from '../i18n'
import { percent } from '../lib/format'

type Hour = Schemas['HourFigures']
type Group = Schemas['GroupFigures']

/** The parts of one bar: automatic, handed over, suggestion, and messages never processed. */
function segments(total: number, auto: number, handed: number, suggested: number) {
  return [
    { kind: 'auto', n: auto },
    { kind: 'handed', n: handed },
    { kind: 'suggestions', n: suggested },
    { kind: 'other', n: Math.max(0, total - auto - handed - suggested) },
  ].filter((part) => part.n > 0)
}

export function Legend() {
  const { t } = useI18n()
  return (
    <div className="legend small">
      <span>
        <i className="seg-auto" /> {t('dash.auto')}
      </span>
      <span>
        <i className="seg-handed" /> {t('dash.handed')}
      </span>
      <span>
        <i className="seg-suggestions" /> {t('dash.suggestions')}
      </span>
      <span>
        <i className="seg-other" /> {t('dash.other')}
      </span>
    </div>
  )
}

const pad = (hour: number) => String(hour).padStart(2, '0')

/** 24 columns, one per hour of day in the tenant's zone; a column's height is its questions,
 * split by what became of them. */
export function HourlyChart({ hours }: { hours: Hour[] }) {
  const { t } = useI18n()
  const most = Math.max(1, ...hours.map((h) => h.questions_received))
  return (
    <div className="hours" data-testid="hourly" role="img" aria-label={t('dash.hourly')}>
      {hours.map((h) => {
        const title = t('dash.hourTitle', {
          hour: pad(h.hour),
          q: h.questions_received,
          a: h.answered_automatically,
          h: h.handed_over,
          s: h.suggestions,
        })
        return (
          <div
            key={h.hour}
            className="hour"
            data-hour={h.hour}
            data-questions={h.questions_received}
            data-auto={h.answered_automatically}
            data-handed={h.handed_over}
            data-suggestions={h.suggestions}
            title={title}
          >
            <div className="hour-area">
              <div className="hour-bar" style={{ height: `${(100 * h.questions_received) / most}%` }}>
                {h.questions_received > 0 && <span className="hour-n">{h.questions_received}</span>}
                {segments(h.questions_received, h.answered_automatically, h.handed_over, h.suggestions).map(
                  (part) => (
                    <span key={part.kind} className={`seg-${part.kind}`} style={{ flexGrow: part.n }} />
                  ),
                )}
              </div>
            </div>
            <span className="hour-label">{pad(h.hour)}</span>
          </div>
        )
      })}
    </div>
  )
}

/** Per intent or per agent: a row each, most questions first, with a bar of what became of them. */
export function BreakdownTable({
  id,
  title,
  rows,
  label,
}: {
  id: string
  title: string
  rows: Group[]
  label: (key: string) => string
}) {
  const { t } = useI18n()
  const most = Math.max(1, ...rows.map((r) => r.questions))
  if (!rows.length) return <p className="muted small">{t('dash.none')}</p>
  return (
    <table className="grid breakdown" data-testid={id}>
      <thead>
        <tr>
          <th>{title}</th>
          <th className="bar-col" aria-hidden="true" />
          <th className="num">{t('dash.count')}</th>
          <th className="num">{t('dash.col.auto')}</th>
          <th className="num">{t('dash.col.handed')}</th>
          <th className="num">{t('dash.suggestions')}</th>
          <th className="num">{t('dash.share')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-key={row.key}>
            <td title={row.key}>{label(row.key)}</td>
            <td className="bar-col">
              <div className="hbar" style={{ width: `${(100 * row.questions) / most}%` }}>
                {segments(row.questions, row.answered_automatically, row.handed_over, row.suggestions).map(
                  (part) => (
                    <span key={part.kind} className={`seg-${part.kind}`} style={{ flexGrow: part.n }} />
                  ),
                )}
              </div>
            </td>
            <td className="num" data-col="questions">
              {row.questions}
            </td>
            <td className="num" data-col="auto">
              {row.answered_automatically}
            </td>
            <td className="num" data-col="handed">
              {row.handed_over}
            </td>
            <td className="num" data-col="suggestions">
              {row.suggestions}
            </td>
            <td className="num" data-col="share">
              {percent(row.questions ? row.answered_automatically / row.questions : null)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** "2,5 dk", "45 dk", "2 sa 5 dk": minutes saved as a person reads them. */
export function duration(minutes: number, lang: Lang, t: (key: string, vars?: Vars) => string): string {
  if (minutes < 60) {
    const shown = minutes.toLocaleString(locale(lang), { maximumFractionDigits: 1 })
    return t('dash.minutes', { m: shown })
  }
  const whole = Math.round(minutes)
  return t('dash.hours', { h: Math.floor(whole / 60), m: whole % 60 })
}
