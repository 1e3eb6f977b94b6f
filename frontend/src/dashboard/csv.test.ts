import { describe, expect, it } from 'vitest'
import type { MetricsSummary } from '../api/client'
import { translate } from '../i18n'
import { duration } from './Breakdowns'
import { summaryCsv } from './csv'
import { daysBack } from './DashboardPage'

const hours = Array.from({ length: 24 }, (_, hour) => ({
  hour,
  questions_received: hour === 9 ? 3 : 0,
  answered_automatically: hour === 9 ? 2 : 0,
  handed_over: hour === 9 ? 1 : 0,
  suggestions: 0,
}))

const summary = {
  tenant: 'demo-shop',
  from_date: '2026-11-30',
  to_date: '2026-12-01',
  timezone: 'Europe/Istanbul',
  questions_received: 3,
  answered_automatically: 2,
  handed_over: 1,
  suggestions: 0,
  deflection_rate: 0.6667,
  time_to_first_automated_reply_s: { p50: 1, p95: 2, mean: 1.5 },
  suggestion_decisions: { accepted: 0, edited: 0, rejected: 0, acceptance_rate: null, mean_edit_distance: null },
  minutes_saved: { minutes: 5, automated_replies: 2, minutes_per_reply: 2.5 },
  daily: [
    { date: '2026-11-30', questions_received: 0, answered_automatically: 0, handed_over: 0, suggestions: 0 },
    { date: '2026-12-01', questions_received: 3, answered_automatically: 2, handed_over: 1, suggestions: 0 },
  ],
  hourly: hours,
  by_intent: [
    { key: 'order_status', questions: 2, answered_automatically: 2, handed_over: 0, suggestions: 0 },
    { key: 'human_request', questions: 1, answered_automatically: 0, handed_over: 1, suggestions: 0 },
  ],
  by_agent: [{ key: 'support', questions: 3, answered_automatically: 2, handed_over: 1, suggestions: 0 }],
} satisfies MetricsSummary

describe('summaryCsv', () => {
  const csv = summaryCsv(summary, {
    intent: (key) => (key === 'order_status' ? 'Sipariş / kargo durumu' : key),
    agent: (key) => `agent "${key}"`,
  })
  const lines = csv.split('\r\n')

  it('has a header, then days, hours, intents, agents and the total', () => {
    expect(lines[0]).toBe(
      'section,key,label,questions,answered_automatically,handed_over,suggestions,minutes_saved,minutes_per_reply',
    )
    expect(lines.at(-1)).toBe('')
    const sections = lines.slice(1, -1).map((line) => line.split(',')[0])
    expect(sections).toEqual([
      'day',
      'day',
      ...Array(24).fill('hour'),
      'intent',
      'intent',
      'agent',
      'total',
    ])
  })

  it('writes each row with its minutes saved, labels quoted when needed', () => {
    expect(lines).toContain('day,2026-12-01,2026-12-01,3,2,1,0,5,2.5')
    expect(lines).toContain('hour,09,09:00-09:59,3,2,1,0,5,2.5')
    expect(lines).toContain('hour,10,10:00-10:59,0,0,0,0,0,2.5')
    expect(lines).toContain('intent,order_status,Sipariş / kargo durumu,2,2,0,0,5,2.5')
    expect(lines).toContain('agent,support,"agent ""support""",3,2,1,0,5,2.5')
    expect(lines).toContain('total,2026-11-30/2026-12-01,Europe/Istanbul,3,2,1,0,5,2.5')
  })

  it('neutralises a leading formula character', () => {
    const hostile = { ...summary, by_intent: [{ ...summary.by_intent[0], key: '=HYPERLINK("x")' }] }
    const out = summaryCsv(hostile, { intent: (k) => k, agent: (k) => k })
    expect(out).toContain(`intent,"'=HYPERLINK(""x"")","'=HYPERLINK(""x"")",2,2,0,0,5,2.5`)
  })
})

describe('duration', () => {
  const tr = (key: string, vars?: Record<string, string | number>) => translate('tr', key, vars)
  const en = (key: string, vars?: Record<string, string | number>) => translate('en', key, vars)
  it('says minutes, then hours and minutes', () => {
    expect(duration(7.5, 'tr', tr)).toBe('7,5 dk')
    expect(duration(45, 'en', en)).toBe('45 min')
    expect(duration(125, 'tr', tr)).toBe('2 sa 5 dk')
    expect(duration(0, 'tr', tr)).toBe('0 dk')
  })
})

describe('daysBack', () => {
  it('counts back from the tenant today, across months', () => {
    expect(daysBack(1, '2026-12-01')).toEqual({ from: '2026-12-01', to: '2026-12-01' })
    expect(daysBack(7, '2026-12-03')).toEqual({ from: '2026-11-27', to: '2026-12-03' })
    expect(daysBack(30, '2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-01' })
  })
})
