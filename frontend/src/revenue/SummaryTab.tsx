import { useState } from 'react'
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { orRaw, useI18n } from '../i18n'
import { percent } from '../lib/format'
import { useSummary, type Counts } from './api'
import { dailySeries, dayLabel, PERIODS, tl } from './logic'

const SOURCES = ['bundle', 'upsell', 'cross_sell', 'together', 'need']

function Card({ id, label, value, sub }: { id: string; label: string; value: string; sub?: string }) {
  return (
    <div className="card" data-testid={`rev-card-${id}`}>
      <div className="card-label">{label}</div>
      <div className="card-value" data-testid={`rev-value-${id}`}>
        {value}
      </div>
      {sub && <div className="card-sub">{sub}</div>}
    </div>
  )
}

/** The period's figures: recommendations, payment-link revenue, leads, recovered carts. */
export function SummaryTab({ today }: { today?: Date }) {
  const { t, lang } = useI18n()
  const [days, setDays] = useState<number>(30)
  const summary = useSummary(days)
  const data = summary.data
  const recs = data?.recommendations
  const links = data?.payment_links
  const leads = data?.leads ?? {}
  const series = links ? dailySeries(links.daily, data.days, today) : []
  const none = '…'

  return (
    <div className="stack revenue-summary">
      <div className="range-bar" role="group" aria-label={t('rev.period')}>
        {PERIODS.map((n) => (
          <button
            key={n}
            type="button"
            className={n === days ? 'active' : ''}
            aria-pressed={n === days}
            data-testid={`rev-period-${n}`}
            onClick={() => setDays(n)}
          >
            {t('rev.lastDays', { n })}
          </button>
        ))}
      </div>
      {summary.isError && (
        <p className="error" role="alert">
          {summary.error.message}
        </p>
      )}
      <div className="cards" data-testid="rev-cards" aria-busy={summary.isFetching}>
        <Card
          id="shown"
          label={t('rev.card.shown')}
          value={recs ? String(recs.shown) : none}
          sub={recs ? t('rev.card.shownSub', { a: recs.accepted, r: recs.rejected }) : undefined}
        />
        <Card id="accepted" label={t('rev.card.accepted')} value={recs ? String(recs.accepted) : none} />
        <Card id="rate" label={t('rev.card.rate')} value={recs ? percent(recs.acceptance_rate) : none} />
        <Card
          id="revenue"
          label={t('rev.card.revenue')}
          value={links ? tl(links.revenue, lang) : none}
          sub={t('rev.card.revenueSub')}
        />
        <Card
          id="links"
          label={t('rev.card.links')}
          value={links ? `${links.paid} / ${links.created}` : none}
          sub={links ? t('rev.card.linksSub', { n: links.by_status.sent ?? 0 }) : undefined}
        />
        <Card
          id="leads"
          label={t('rev.card.leads')}
          value={data ? String((leads.hot ?? 0) + (leads.warm ?? 0) + (leads.cold ?? 0)) : none}
          sub={
            data
              ? t('rev.card.leadsSub', {
                  hot: leads.hot ?? 0,
                  warm: leads.warm ?? 0,
                  cold: leads.cold ?? 0,
                  unscored: leads.unscored ?? 0,
                })
              : undefined
          }
        />
        <Card
          id="carts"
          label={t('rev.card.carts')}
          value={data ? String(data.carts.recovered) : none}
          sub={data ? tl(data.carts.recovered_total, lang) : undefined}
        />
        <Card
          id="rejected"
          label={t('rev.card.rejected')}
          value={recs ? String(recs.rejected) : none}
          sub={recs && recs.shown ? percent(recs.rejected / recs.shown) : undefined}
        />
      </div>
      <div className="two-col">
        <section className="chart-box">
          <h2>{t('rev.daily')}</h2>
          <div className="chart" data-testid="rev-chart">
            <ResponsiveContainer width="100%" height={220} initialDimension={{ width: 520, height: 220 }}>
              <BarChart data={series} margin={{ top: 8, right: 8, left: 8, bottom: 0 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e5e7eb" />
                <XAxis dataKey="day" tickFormatter={(d: string) => dayLabel(d, lang)} fontSize={11} minTickGap={12} />
                <YAxis fontSize={11} width={64} tickFormatter={(v: number) => v.toLocaleString(lang === 'tr' ? 'tr-TR' : 'en-GB')} />
                <Tooltip
                  formatter={(value) => [tl(Number(value), lang), t('rev.revenue')]}
                  labelFormatter={(label) => dayLabel(String(label), lang)}
                />
                <Bar dataKey="revenue" name={t('rev.revenue')} fill="#0f766e" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </section>
        <section className="chart-box">
          <h2>{t('rev.bySource')}</h2>
          <SourceTable bySource={recs?.by_source ?? {}} />
        </section>
      </div>
    </div>
  )
}

function SourceTable({ bySource }: { bySource: Record<string, Counts> }) {
  const { t } = useI18n()
  const sources = [...SOURCES, ...Object.keys(bySource).filter((s) => !SOURCES.includes(s))]
  return (
    <table className="grid" data-testid="rev-by-source">
      <thead>
        <tr>
          <th>{t('rev.source')}</th>
          <th className="num">{t('rev.shown')}</th>
          <th className="num">{t('rev.accepted')}</th>
          <th className="num">{t('rev.rejected')}</th>
          <th className="num">{t('rev.card.rate')}</th>
        </tr>
      </thead>
      <tbody>
        {sources.map((source) => {
          const row = bySource[source] ?? { shown: 0, accepted: 0, rejected: 0 }
          return (
            <tr key={source} className={row.shown ? '' : 'inactive'}>
              <td>{orRaw(t, `rev.source.${source}`, source)}</td>
              <td className="num">{row.shown}</td>
              <td className="num">{row.accepted}</td>
              <td className="num">{row.rejected}</td>
              <td className="num">{row.shown ? percent(row.accepted / row.shown) : '–'}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
