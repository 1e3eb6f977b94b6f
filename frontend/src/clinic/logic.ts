import { orRaw, type Vars } from '../i18n'

type T = (key: string, vars?: Vars) => string

export type Status = 'booked' | 'confirmed' | 'cancelled' | 'completed' | 'no_show'
export type Mark = 'confirmed' | 'completed' | 'no_show'
export type Action = Mark | 'cancel'

/** An appointment's status in the UI's language ("Geldi", "Gelmedi"…). */
export const statusLabel = (t: T, status: string) => orRaw(t, `clinic.status.${status}`, status)

/** The statuses each mark may follow (as the API's ``book.MARKS``): a no-show can still be
 * corrected to completed and back; a cancelled appointment takes no mark. */
const MARK_AFTER: Record<Mark, Status[]> = {
  confirmed: ['booked'],
  completed: ['booked', 'confirmed', 'no_show'],
  no_show: ['booked', 'confirmed', 'completed'],
}

/** The buttons an appointment in ``status`` offers, in order: completed, no-show, confirm,
 * cancel (only booked or confirmed ones are cancelled). */
export function actionsFor(status: string): Action[] {
  const marks = (['completed', 'no_show', 'confirmed'] as Mark[]).filter((mark) =>
    MARK_AFTER[mark].includes(status as Status),
  )
  return status === 'booked' || status === 'confirmed' ? [...marks, 'cancel'] : marks
}

/** "2026-12-03" plus ``n`` days (calendar days, no time zone involved). */
export function addDays(day: string, n: number): string {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + n)
  return date.toISOString().slice(0, 10)
}

/** Day and minute of the day of ``iso`` on the clinic's wall clock (``timeZone``). */
export function wallClock(iso: string, timeZone: string): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso))
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00'
  return {
    day: `${part('year')}-${part('month')}-${part('day')}`,
    minutes: Number(part('hour')) * 60 + Number(part('minute')),
  }
}

/** "10:00" for ``iso`` in the clinic's zone. */
export function clock(iso: string, timeZone: string): string {
  return hhmm(wallClock(iso, timeZone).minutes)
}

export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

/** "09:00-13:00" → [540, 780] ("24:00" is 1440). */
export function rangeMinutes(range: string): [number, number] {
  const [start, end] = range.split('-').map((part) => {
    const [h, m] = part.split(':').map(Number)
    return h * 60 + (m || 0)
  })
  return [start, end]
}

export type GridAppointment = { id: string; starts_at: string; ends_at: string; status: string }
export type GridDay<A extends GridAppointment> = { day: string; hours: string[]; appointments: A[] }

export type Box = { top: number; height: number }
export type Block<A> = Box & { appointment: A; lane: number; lanes: number; from: number; to: number }
export type Column<A> = { day: string; working: Box[]; blocks: Block<A>[] }
export type WeekLayout<A> = { start: number; end: number; ticks: number[]; columns: Column<A>[] }

const DEFAULT_SPAN: [number, number] = [9 * 60, 18 * 60]

/** A week of one doctor as a grid: the visible hours (whole hours around every working range
 * and appointment), the working ranges as shaded boxes and the appointments as blocks, in
 * percent of the column's height. Overlapping appointments share the width (lanes). */
export function weekLayout<A extends GridAppointment>(
  days: GridDay<A>[],
  timeZone: string,
  { showCancelled = false }: { showCancelled?: boolean } = {},
): WeekLayout<A> {
  const shown = (a: A) => showCancelled || a.status !== 'cancelled'
  const spans: [number, number][] = []
  const placed = days.map((day) => {
    const working = day.hours.map(rangeMinutes)
    spans.push(...working)
    const items = day.appointments.filter(shown).map((appointment) => {
      const from = wallClock(appointment.starts_at, timeZone).minutes
      const length = (Date.parse(appointment.ends_at) - Date.parse(appointment.starts_at)) / 60_000
      const to = Math.min(from + Math.max(length, 5), 24 * 60)
      spans.push([from, to])
      return { appointment, from, to }
    })
    return { day: day.day, working, items }
  })
  const [low, high] = spans.length
    ? [Math.min(...spans.map((s) => s[0])), Math.max(...spans.map((s) => s[1]))]
    : DEFAULT_SPAN
  const start = Math.floor(low / 60) * 60
  const end = Math.max(Math.ceil(high / 60) * 60, start + 60)
  const box = (from: number, to: number): Box => ({
    top: ((from - start) / (end - start)) * 100,
    height: ((to - from) / (end - start)) * 100,
  })
  const ticks: number[] = []
  for (let minute = start; minute < end; minute += 60) ticks.push(minute)
  return {
    start,
    end,
    ticks,
    columns: placed.map(({ day, working, items }) => ({
      day,
      working: working.map(([from, to]) => box(from, to)),
      blocks: lanes(items).map((item) => ({ ...item, ...box(item.from, item.to) })),
    })),
  }
}

/** Lanes for overlapping intervals: each gets the first lane free at its start; every interval
 * of a group of overlapping ones knows how many lanes the group needs. */
export function lanes<I extends { from: number; to: number }>(
  items: I[],
): (I & { lane: number; lanes: number })[] {
  const sorted = [...items].sort((a, b) => a.from - b.from || a.to - b.to)
  const out: (I & { lane: number; lanes: number })[] = []
  let group: (I & { lane: number; lanes: number })[] = []
  let groupEnd = -1
  const close = () => {
    const count = Math.max(0, ...group.map((g) => g.lane + 1))
    for (const item of group) item.lanes = count
    group = []
  }
  for (const item of sorted) {
    if (item.from >= groupEnd) close()
    const busy = new Set(group.filter((g) => g.to > item.from).map((g) => g.lane))
    let lane = 0
    while (busy.has(lane)) lane += 1
    const laid = { ...item, lane, lanes: 1 }
    group.push(laid)
    out.push(laid)
    groupEnd = Math.max(groupEnd, item.to)
  }
  close()
  return out
}

/** A rate as a percentage ("12,5%"); "–" when there is nothing to divide by. */
export function rateText(value: number | null | undefined, lang: string): string {
  if (value === null || value === undefined) return '–'
  return new Intl.NumberFormat(lang === 'tr' ? 'tr-TR' : 'en-GB', {
    style: 'percent',
    maximumFractionDigits: 1,
  }).format(value)
}
