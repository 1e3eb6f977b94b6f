import type { DayFigures } from '../api/client'

export type WeekFigures = {
  week: string
  questions_received: number
  answered_automatically: number
  handed_over: number
  suggestions: number
  deflection_rate: number | null
}

/** The Monday of an ISO date's week (as an ISO date). */
export function mondayOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`)
  const back = (date.getUTCDay() + 6) % 7
  return new Date(date.getTime() - back * 86_400_000).toISOString().slice(0, 10)
}

/** The daily rows summed per week (Monday first), with each week's deflection rate. */
export function weekly(days: DayFigures[]): WeekFigures[] {
  const weeks = new Map<string, WeekFigures>()
  for (const day of days) {
    const key = mondayOf(day.date)
    const week = weeks.get(key) ?? {
      week: key,
      questions_received: 0,
      answered_automatically: 0,
      handed_over: 0,
      suggestions: 0,
      deflection_rate: null,
    }
    week.questions_received += day.questions_received
    week.answered_automatically += day.answered_automatically
    week.handed_over += day.handed_over
    week.suggestions += day.suggestions
    weeks.set(key, week)
  }
  return [...weeks.values()].map((week) => ({
    ...week,
    deflection_rate: week.questions_received
      ? Math.round((week.answered_automatically / week.questions_received) * 10_000) / 10_000
      : null,
  }))
}
