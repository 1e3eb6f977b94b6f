import { describe, expect, it } from 'vitest'
import { translate } from '../i18n'
import { actionsFor, addDays, clock, lanes, rangeMinutes, rateText, statusLabel, wallClock, weekLayout } from './logic'

const ZONE = 'Europe/Istanbul'
const tr = (key: string) => translate('tr', key)
const en = (key: string) => translate('en', key)

function appointment(id: string, starts_at: string, minutes: number, status = 'booked') {
  const ends_at = new Date(Date.parse(starts_at) + minutes * 60_000).toISOString()
  return { id, starts_at, ends_at, status }
}

describe('status labels and actions', () => {
  it('names every status in Turkish and English, unknown ones as they are', () => {
    expect(statusLabel(tr, 'completed')).toBe('Geldi')
    expect(statusLabel(tr, 'no_show')).toBe('Gelmedi')
    expect(statusLabel(en, 'no_show')).toBe('No-show')
    expect(statusLabel(tr, 'rescheduled')).toBe('rescheduled')
  })

  it('offers the marks the API accepts after each status', () => {
    expect(actionsFor('booked')).toEqual(['completed', 'no_show', 'confirmed', 'cancel'])
    expect(actionsFor('confirmed')).toEqual(['completed', 'no_show', 'cancel'])
    expect(actionsFor('completed')).toEqual(['no_show'])
    expect(actionsFor('no_show')).toEqual(['completed'])
    expect(actionsFor('cancelled')).toEqual([])
  })
})

describe('times on the clinic clock', () => {
  it('reads instants in the clinic zone, whatever the browser zone', () => {
    expect(wallClock('2026-12-03T07:00:00Z', ZONE)).toEqual({ day: '2026-12-03', minutes: 600 })
    expect(clock('2026-12-03T21:30:00Z', ZONE)).toBe('00:30')
    expect(wallClock('2026-12-03T21:30:00Z', ZONE).day).toBe('2026-12-04')
  })

  it('adds days across months and years and reads ranges', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02')
    expect(addDays('2026-12-01', -1)).toBe('2026-11-30')
    expect(rangeMinutes('09:00-13:00')).toEqual([540, 780])
    expect(rangeMinutes('14:00-24:00')).toEqual([840, 1440])
  })

  it('formats rates as percentages, none as a dash', () => {
    expect(rateText(0.5, 'en')).toBe('50%')
    expect(rateText(0.125, 'tr')).toMatch(/12,5/)
    expect(rateText(null, 'tr')).toBe('–')
  })
})

describe('the week grid', () => {
  const days = [
    {
      day: '2026-12-03',
      hours: ['09:00-13:00', '14:00-19:00'],
      appointments: [appointment('a', '2026-12-03T07:00:00Z', 30), appointment('x', '2026-12-03T08:00:00Z', 60, 'cancelled')],
    },
    { day: '2026-12-06', hours: [], appointments: [] },
  ]

  it('spans whole hours around working ranges and appointments, in percent', () => {
    const layout = weekLayout(days, ZONE)
    expect([layout.start, layout.end]).toEqual([540, 1140])
    expect(layout.ticks).toHaveLength(10)
    const [thursday, sunday] = layout.columns
    expect(thursday.working).toEqual([
      { top: 0, height: 40 },
      { top: 50, height: 50 },
    ])
    expect(sunday.working).toEqual([])
    expect(thursday.blocks.map((b) => [b.appointment.id, b.top, b.height])).toEqual([['a', 10, 5]])
  })

  it('shows cancelled appointments only when asked, and widens to an early one', () => {
    const early = [{ ...days[0], appointments: [appointment('e', '2026-12-03T04:30:00Z', 30)] }]
    expect(weekLayout(early, ZONE).start).toBe(7 * 60)
    const all = weekLayout(days, ZONE, { showCancelled: true })
    expect(all.columns[0].blocks.map((b) => b.appointment.id)).toEqual(['a', 'x'])
  })

  it('gives an empty week the usual day', () => {
    const layout = weekLayout([{ day: '2026-12-06', hours: [], appointments: [] }], ZONE)
    expect([layout.start, layout.end]).toEqual([540, 1080])
  })

  it('puts overlapping appointments side by side', () => {
    const laid = lanes([
      { from: 600, to: 660 },
      { from: 615, to: 645 },
      { from: 650, to: 700 },
      { from: 720, to: 750 },
    ])
    expect(laid.map((i) => [i.lane, i.lanes])).toEqual([
      [0, 2],
      [1, 2],
      [1, 2],
      [0, 1],
    ])
  })
})
