import { describe, expect, it } from 'vitest'
import { dailyCsv } from './csv'
import { daysBack } from './DashboardPage'

describe('dailyCsv', () => {
  it('writes a header and one line per day', () => {
    const csv = dailyCsv([
      { date: '2026-11-30', questions_received: 10, answered_automatically: 7, handed_over: 2, suggestions: 1 },
      { date: '2026-12-01', questions_received: 0, answered_automatically: 0, handed_over: 0, suggestions: 0 },
    ])
    expect(csv).toBe(
      'date,questions_received,answered_automatically,handed_over,suggestions\r\n' +
        '2026-11-30,10,7,2,1\r\n' +
        '2026-12-01,0,0,0,0\r\n',
    )
  })

  it('is only a header with no days', () => {
    expect(dailyCsv([]).split('\r\n')).toEqual([
      'date,questions_received,answered_automatically,handed_over,suggestions',
      '',
    ])
  })
})

describe('daysBack', () => {
  it('counts back from the tenant today, across months', () => {
    expect(daysBack(1, '2026-12-01')).toEqual({ from: '2026-12-01', to: '2026-12-01' })
    expect(daysBack(7, '2026-12-03')).toEqual({ from: '2026-11-27', to: '2026-12-03' })
    expect(daysBack(30, '2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-01' })
  })
})
