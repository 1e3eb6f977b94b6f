import type { DayFigures } from '../api/client'

export const CSV_COLUMNS = [
  'date',
  'questions_received',
  'answered_automatically',
  'handed_over',
  'suggestions',
] as const

function cell(value: string | number): string {
  const text = String(value)
  // Quote when needed; a leading formula character is neutralised for spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** The daily rows as CSV (header, one line per day, CRLF as RFC 4180 says). */
export function dailyCsv(rows: DayFigures[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const row of rows) lines.push(CSV_COLUMNS.map((column) => cell(row[column])).join(','))
  return lines.join('\r\n') + '\r\n'
}

export function downloadCsv(name: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'text/csv;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  window.setTimeout(() => URL.revokeObjectURL(url), 1000)
}
