import { locale, type Lang } from '../i18n'

/** "14:05" today, "28.11 14:05" otherwise (in the browser's zone). */
export function shortTime(iso: string | null | undefined, lang: Lang, now = new Date()): string {
  if (!iso) return ''
  const at = new Date(iso)
  const time = at.toLocaleTimeString(locale(lang), { hour: '2-digit', minute: '2-digit' })
  if (at.toDateString() === now.toDateString()) return time
  const day = at.toLocaleDateString(locale(lang), { day: '2-digit', month: '2-digit' })
  return `${day} ${time}`
}

/** "Çar 02.12 09:00": an appointment on the business's own wall clock (``timeZone``), whatever
 * the browser's zone. */
export function zonedTime(iso: string, lang: Lang, timeZone: string): string {
  return new Date(iso).toLocaleString(locale(lang), {
    timeZone,
    weekday: 'short',
    day: '2-digit',
    month: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  return `${(value * 100).toFixed(1).replace(/\.0$/, '')}%`
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  if (value < 60) return `${value.toFixed(1).replace(/\.0$/, '')} s`
  return `${(value / 60).toFixed(1).replace(/\.0$/, '')} min`
}
