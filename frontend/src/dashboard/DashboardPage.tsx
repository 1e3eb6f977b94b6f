import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { api, errorText, type MetricsSummary } from '../api/client'
import { useAuth } from '../auth'
import { ClinicStatsCard } from '../clinic/StatsCard'
import { locale, useI18n } from '../i18n'
import { agentLabel, intentLabel } from '../labels'
import { percent, seconds } from '../lib/format'
import { BreakdownTable, duration, HourlyChart, Legend as BarLegend } from './Breakdowns'
import { downloadCsv, summaryCsv } from './csv'
import { weekly } from './weekly'

type Range = { from: string; to: string }

/** ``days`` days ending on ``today`` (an ISO date: the tenant's today, as the API says). */
export function daysBack(days: number, today: string): Range {
  const end = new Date(`${today}T00:00:00Z`)
  const start = new Date(end.getTime() - (days - 1) * 86_400_000)
  return { from: start.toISOString().slice(0, 10), to: today }
}

async function summary(from?: string, to?: string): Promise<MetricsSummary> {
  const { data, error } = await api.GET('/api/metrics/summary', {
    params: { query: { from, to } },
  })
  if (error) throw new Error(errorText(error))
  return data
}

function Card({ id, label, value, sub }: { id: string; label: string; value: string; sub?: string }) {
  return (
    <div className="card" data-testid={`card-${id}`}>
      <div className="card-label">{label}</div>
      <div className="card-value" data-testid={`value-${id}`}>
        {value}
      </div>
      {sub && <div className="card-sub">{sub}</div>}
    </div>
  )
}

export function DashboardPage() {
  const { t, lang } = useI18n()
  const { me } = useAuth()
  // The API's default period ends on the tenant's today (its time zone, not the browser's).
  const today = useQuery({ queryKey: ['metrics', 'today'], queryFn: () => summary() })
  const tenantToday = today.data?.to_date
  const [chosen, setRange] = useState<Range | null>(null)
  const range: Range = chosen ?? (tenantToday ? daysBack(30, tenantToday) : { from: '', to: '' })
  const period = useQuery({
    queryKey: ['metrics', range.from, range.to],
    enabled: !!range.from,
    queryFn: () => summary(range.from, range.to),
  })
  const preset = (days: number) => tenantToday && setRange(daysBack(days, tenantToday))
  const todayAuto = today.data?.daily.at(-1)?.answered_automatically
  const data = period.data
  const ttfr = data?.time_to_first_automated_reply_s ?? {}
  const decisions = data?.suggestion_decisions

  return (
    <div className="dashboard">
      <h1 className="headline" data-testid="headline">
        {t('dash.headline', { n: todayAuto ?? '…' })}
      </h1>
      {me?.tenant_vertical === 'clinic' && <ClinicStatsCard />}
      <div className="range-bar">
        <label>
          {t('dash.from')}
          <input
            type="date"
            name="from"
            value={range.from}
            max={range.to}
            onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })}
          />
        </label>
        <label>
          {t('dash.to')}
          <input
            type="date"
            name="to"
            value={range.to}
            min={range.from}
            onChange={(e) => e.target.value && setRange({ ...range, to: e.target.value })}
          />
        </label>
        <button type="button" onClick={() => preset(1)}>
          {t('dash.today')}
        </button>
        <button type="button" onClick={() => preset(7)}>
          {t('dash.last7')}
        </button>
        <button type="button" onClick={() => preset(30)}>
          {t('dash.last30')}
        </button>
        <span className="spacer" />
        <button
          type="button"
          disabled={!data}
          onClick={() =>
            data &&
            downloadCsv(
              `invekto-${data.from_date}-${data.to_date}.csv`,
              summaryCsv(data, { intent: (k) => intentLabel(t, k), agent: (k) => agentLabel(t, k) }),
            )
          }
        >
          {t('dash.export')}
        </button>
      </div>
      {period.isError && <p className="error">{t('common.error')}</p>}
      <div className="cards" data-testid="cards" aria-busy={period.isFetching}>
        <Card id="questions" label={t('dash.questions')} value={data ? String(data.questions_received) : '…'} />
        <Card id="auto" label={t('dash.auto')} value={data ? String(data.answered_automatically) : '…'} />
        <Card id="deflection" label={t('dash.deflection')} value={data ? percent(data.deflection_rate) : '…'} />
        <Card
          id="saved"
          label={t('dash.saved')}
          value={data ? duration(data.minutes_saved.minutes, lang, t) : '…'}
          sub={
            data
              ? t('dash.savedSub', {
                  n: data.minutes_saved.automated_replies,
                  m: data.minutes_saved.minutes_per_reply.toLocaleString(locale(lang)),
                })
              : undefined
          }
        />
        <Card id="handed" label={t('dash.handed')} value={data ? String(data.handed_over) : '…'} />
        <Card
          id="suggestions"
          label={t('dash.suggestions')}
          value={data ? String(data.suggestions) : '…'}
          sub={
            decisions
              ? t('dash.decisions', { a: decisions.accepted, e: decisions.edited, r: decisions.rejected })
              : undefined
          }
        />
        <Card id="acceptance" label={t('dash.acceptance')} value={data ? percent(decisions?.acceptance_rate) : '…'} />
        <Card
          id="ttfr"
          label={t('dash.ttfr')}
          value={data ? seconds(ttfr.p50) : '…'}
          sub={data && ttfr.p95 != null ? t('dash.ttfrSub', { p95: seconds(ttfr.p95) }) : undefined}
        />
      </div>
      <section className="chart-box">
        <h2>{t('dash.daily')}</h2>
        <div className="chart" data-testid="chart">
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={data?.daily ?? []} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e5e7eb" />
              <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(5)} fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar dataKey="questions_received" name={t('dash.questions')} fill="#94a3b8" isAnimationActive={false} />
              <Bar dataKey="answered_automatically" name={t('dash.auto')} fill="#0f766e" isAnimationActive={false} />
              <Bar dataKey="handed_over" name={t('dash.handed')} fill="#d97706" isAnimationActive={false} />
              <Bar dataKey="suggestions" name={t('dash.suggestions')} fill="#6366f1" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </section>
      {data && (
        <section className="chart-box">
          <div className="box-head">
            <h2>{t('dash.hourly')}</h2>
            <span className="muted small">{t('dash.hourlyHint', { tz: data.timezone })}</span>
            <span className="spacer" />
            <BarLegend />
          </div>
          <HourlyChart hours={data.hourly} />
        </section>
      )}
      {data && (
        <div className="two-col">
          <section className="chart-box">
            <h2>{t('dash.byIntent')}</h2>
            <BreakdownTable
              id="by-intent"
              title={t('dash.topic')}
              rows={data.by_intent}
              label={(key) => intentLabel(t, key)}
            />
          </section>
          <section className="chart-box">
            <h2>{t('dash.byAgent')}</h2>
            <BreakdownTable
              id="by-agent"
              title={t('dash.agent')}
              rows={data.by_agent}
              label={(key) => agentLabel(t, key)}
            />
          </section>
        </div>
      )}
      {data && data.daily.length > 7 && (
        <section className="chart-box">
          <h2>{t('dash.weekly')}</h2>
          <table className="grid" data-testid="weekly">
            <thead>
              <tr>
                <th>{t('dash.week')}</th>
                <th>{t('dash.questions')}</th>
                <th>{t('dash.auto')}</th>
                <th>{t('dash.handed')}</th>
                <th>{t('dash.suggestions')}</th>
                <th>{t('dash.deflection')}</th>
              </tr>
            </thead>
            <tbody>
              {weekly(data.daily).map((week) => (
                <tr key={week.week}>
                  <td className="mono">{week.week}</td>
                  <td>{week.questions_received}</td>
                  <td>{week.answered_automatically}</td>
                  <td>{week.handed_over}</td>
                  <td>{week.suggestions}</td>
                  <td>{percent(week.deflection_rate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  )
}
