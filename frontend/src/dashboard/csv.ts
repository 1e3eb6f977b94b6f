import type { MetricsSummary } from '../api/client'

/** The export's columns: one row per day, hour of day, intent and agent of the range, then the
 * range's total; ``minutes_saved`` is each row's automatic replies × ``minutes_per_reply``. */
export const SUMMARY_COLUMNS = [
  'section',
  'key',
  'label',
  'questions',
  'answered_automatically',
  'handed_over',
  'suggestions',
  'minutes_saved',
  'minutes_per_reply',
] as const

function cell(value: string | number): string {
  const text = String(value)
  // Quote when needed; a leading formula character is neutralised for spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Rows as CSV: CRLF line ends as RFC 4180 says. */
function lines(rows: (string | number)[][]): string {
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}

type Labels = { intent: (key: string) => string; agent: (key: string) => string }

/** Everything the dashboard shows for the range, as one CSV a spreadsheet can pivot:
 * ``section`` is day, hour, intent, agent or total. */
export function summaryCsv(data: MetricsSummary, labels: Labels): string {
  const perReply = data.minutes_saved.minutes_per_reply
  const saved = (auto: number) => Math.round(auto * perReply * 10) / 10
  const row = (
    section: string,
    key: string,
    label: string,
    figures: { q: number; a: number; h: number; s: number },
  ) => [section, key, label, figures.q, figures.a, figures.h, figures.s, saved(figures.a), perReply]
  const hour = (h: number) => String(h).padStart(2, '0')
  return lines([
    [...SUMMARY_COLUMNS],
    ...data.daily.map((d) =>
      row('day', d.date, d.date, {
        q: d.questions_received,
        a: d.answered_automatically,
        h: d.handed_over,
        s: d.suggestions,
      }),
    ),
    ...data.hourly.map((h) =>
      row('hour', hour(h.hour), `${hour(h.hour)}:00-${hour(h.hour)}:59`, {
        q: h.questions_received,
        a: h.answered_automatically,
        h: h.handed_over,
        s: h.suggestions,
      }),
    ),
    ...data.by_intent.map((g) =>
      row('intent', g.key, labels.intent(g.key), {
        q: g.questions,
        a: g.answered_automatically,
        h: g.handed_over,
        s: g.suggestions,
      }),
    ),
    ...data.by_agent.map((g) =>
      row('agent', g.key, labels.agent(g.key), {
        q: g.questions,
        a: g.answered_automatically,
        h: g.handed_over,
        s: g.suggestions,
      }),
    ),
    row('total', `${data.from_date}/${data.to_date}`, data.timezone, {
      q: data.questions_received,
      a: data.answered_automatically,
      h: data.handed_over,
      s: data.suggestions,
    }),
  ])
}

export function downloadCsv(name: string, content: string): void {
  // A byte-order mark, so spreadsheet programs read the Turkish letters as UTF-8.
  const url = URL.createObjectURL(new Blob(['\ufeff', content], { type: 'text/csv;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  window.setTimeout(() => URL.revokeObjectURL(url), 1000)
}
