import { describe, expect, it } from 'vitest'
import { mondayOf, weekly } from './weekly'

const day = (date: string, q: number, auto: number) => ({
  date,
  questions_received: q,
  answered_automatically: auto,
  handed_over: q - auto,
  suggestions: 0,
})

describe('weekly', () => {
  it('starts weeks on Monday', () => {
    expect(mondayOf('2026-12-01')).toBe('2026-11-30') // a Tuesday
    expect(mondayOf('2026-11-30')).toBe('2026-11-30')
    expect(mondayOf('2026-12-06')).toBe('2026-11-30') // a Sunday
  })

  it('sums days per week with the deflection rate of the week', () => {
    expect(weekly([day('2026-11-29', 4, 1), day('2026-11-30', 3, 3), day('2026-12-01', 1, 0)])).toEqual([
      { week: '2026-11-23', questions_received: 4, answered_automatically: 1, handed_over: 3, suggestions: 0, deflection_rate: 0.25 },
      { week: '2026-11-30', questions_received: 4, answered_automatically: 3, handed_over: 1, suggestions: 0, deflection_rate: 0.75 },
    ])
    expect(weekly([day('2026-12-01', 0, 0)])[0].deflection_rate).toBeNull()
  })
})
