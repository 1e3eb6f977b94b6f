import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { api, errorText, type Schemas } from '../api/client'
import { StatusBadge } from '../clinic/Actions'
import { orRaw, useI18n } from '../i18n'
import {
  actionKindLabel,
  actionSummary,
  agentLabel,
  intentLabel,
  orderStatusLabel,
  outcomeLabel,
  reasonLabel,
  understoodByLabel,
} from '../labels'
import { percent, shortTime, zonedTime } from '../lib/format'

type Card = Schemas['CustomerCard']
type Turn = Schemas['Turn']

/** Beside the chat: the customer's card (orders, requests, returns, leads, the AI's escalation
 * note) and, per AI turn, "why" (intent, confidence, tools and results, the guard's verdict). */
export function SidePanel({ conversationId, card }: { conversationId: string; card: Card | undefined }) {
  const { t } = useI18n()
  const [tab, setTab] = useState<'card' | 'why'>('card')
  return (
    <aside className="side" data-testid="side-panel">
      <div className="side-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'card'} className={tab === 'card' ? 'active' : ''} onClick={() => setTab('card')}>
          {t('conv.card')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'why'} className={tab === 'why' ? 'active' : ''} onClick={() => setTab('why')}>
          {t('conv.why')}
        </button>
      </div>
      <div className="side-body">
        {tab === 'card' ? <CardView card={card} /> : <Turns conversationId={conversationId} />}
      </div>
    </aside>
  )
}

function Section({ title, count, children }: { title: string; count: number; children: React.ReactNode }) {
  if (!count) return null
  return (
    <section className="side-section">
      <h3>
        {title} <span className="muted">{count}</span>
      </h3>
      {children}
    </section>
  )
}

export function EscalationBox({ note }: { note: Schemas['EscalationNote'] }) {
  const { t } = useI18n()
  return (
    <div className="escalation" data-testid="escalation">
      <strong>{t('card.escalation')}</strong>
      {note.wants && (
        <p>
          <span className="muted">{t('card.wants')}:</span> {note.wants}
        </p>
      )}
      {note.tried && (
        <p>
          <span className="muted">{t('card.tried')}:</span> {note.tried}
        </p>
      )}
      {note.why && (
        <p>
          <span className="muted">{t('card.whyHanded')}:</span> {note.why}
        </p>
      )}
      {!note.wants && !note.tried && note.note && <p>{note.note}</p>}
    </div>
  )
}

function CardView({ card }: { card: Card | undefined }) {
  const { t, lang } = useI18n()
  if (!card) return <p className="muted">{t('common.loading')}</p>
  const c = card.customer
  return (
    <div className="card-view" data-testid="customer-card">
      <div className="cust">
        <strong>{c.name || '—'}</strong>
        <span className="mono muted">{c.phone}</span>
        <span className="tags">
          {c.tags.map((tag) => (
            <span key={tag} className={`tag tag-${tag}`}>
              {tag.toUpperCase()}
            </span>
          ))}
          {c.language && <span className="tag">{c.language}</span>}
        </span>
      </div>
      {card.escalation && <EscalationBox note={card.escalation} />}
      {(card.appointments ?? []).length > 0 && (
        <Section title={t('card.appointments')} count={card.appointments!.length}>
          {card.appointments!.map((a) => (
            <div key={a.id} className="row small" data-testid="card-appointment">
              <span>{zonedTime(a.starts_at, lang, a.timezone)}</span> <span>{a.service}</span>{' '}
              <span className="muted">{a.doctor}</span> <StatusBadge status={a.status} />
            </div>
          ))}
        </Section>
      )}
      <Section title={t('card.orders')} count={card.orders.length}>
        {card.orders.map((order) => (
          <div key={order.order_number} className="order">
            <div className="row">
              <span className="mono">{order.order_number}</span>
              <span className={`badge os-${order.status.toLowerCase()}`} title={order.status}>
                {orderStatusLabel(t, order.status)}
              </span>
            </div>
            {order.lines.map((line, i) => (
              <div key={i} className="muted small">
                {line.quantity ?? 1}× {line.product_name} {[line.size, line.color].filter(Boolean).join(' / ')}
              </div>
            ))}
            {(order.cargo_provider || order.tracking_number) && (
              <div className="small">
                {order.cargo_provider}{' '}
                {safeLink(order.tracking_link) ? (
                  <a href={safeLink(order.tracking_link)!} target="_blank" rel="noreferrer" className="mono">
                    {order.tracking_number}
                  </a>
                ) : (
                  <span className="mono">{order.tracking_number}</span>
                )}
              </div>
            )}
            {order.order_date && <div className="muted small">{shortTime(order.order_date, lang)}</div>}
          </div>
        ))}
      </Section>
      <Section title={t('card.requests')} count={card.service_requests.length}>
        {card.service_requests.map((r) => (
          <div key={r.id} className="row small">
            <span>{orRaw(t, `request.${r.kind}`, r.kind)}</span> <span className="mono">{r.order_number}</span>
            <span className="badge">{orRaw(t, `requestStatus.${r.status}`, r.status)}</span>
          </div>
        ))}
      </Section>
      <Section title={t('card.returns')} count={card.returns.length}>
        {card.returns.map((r) => (
          <div key={r.id} className="row small">
            <span>{r.reason ? orRaw(t, `returnReason.${r.reason}`, r.reason) : '—'}</span>{' '}
            <span>{orRaw(t, `returnStep.${r.action}`, r.action)}</span>
            {r.deflected && <span className="badge os-delivered">✓</span>}
          </div>
        ))}
      </Section>
      <Section title={t('card.leads')} count={card.leads.length}>
        {card.leads.map((l) => (
          <div key={l.id} className="small">
            <strong>{l.company ?? '—'}</strong> <span className="badge">{orRaw(t, `leadStatus.${l.status}`, l.status)}</span>
            <div className="muted">
              {l.products.map((p) => `${p.quantity ?? '?'}× ${p.product ?? ''}`).join(', ')}
            </div>
          </div>
        ))}
      </Section>
      <Section title={t('card.coupons')} count={card.coupons.length}>
        {card.coupons.map((coupon) => (
          <div key={coupon.id} className="row small">
            <span className="mono">{coupon.code}</span> <span>%{coupon.percent}</span>
            <span className="badge">{orRaw(t, `couponStatus.${coupon.status}`, coupon.status)}</span>
          </div>
        ))}
      </Section>
      {!card.orders.length && !card.service_requests.length && !card.returns.length && !card.leads.length && (
        <p className="muted small">{t('card.nothing')}</p>
      )}
    </div>
  )
}

function Turns({ conversationId }: { conversationId: string }) {
  const { t, lang } = useI18n()
  const turns = useQuery({
    queryKey: ['conversation-extra', conversationId, 'turns'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/conversations/{conversation_id}/turns', {
        params: { path: { conversation_id: conversationId } },
      })
      if (error) throw new Error(errorText(error))
      return data.turns
    },
  })
  if (turns.isLoading) return <p className="muted">{t('common.loading')}</p>
  if (turns.isError) return <p className="error">{t('common.error')}</p>
  if (!turns.data?.length) return <p className="muted small">{t('why.none')}</p>
  return (
    <ol className="turns" data-testid="turns">
      {turns.data.map((turn: Turn) => (
        <li key={turn.id} className="turn">
          <div className="row">
            <strong title={turn.intent}>{intentLabel(t, turn.intent)}</strong>
            <span className="muted">{percent(turn.confidence)}</span>
            <span className={`badge out-${turn.outcome}`} title={turn.outcome}>
              {outcomeLabel(t, turn.outcome)}
            </span>
            <span className="muted small right">{shortTime(turn.created_at, lang)}</span>
          </div>
          <div className="small muted">
            {t('why.agent')}: <span title={turn.agent}>{agentLabel(t, turn.agent)}</span>
            {turn.understood_by && <> · {t('why.understoodBy')}: {understoodByLabel(t, turn.understood_by)}</>}
            {turn.reason && <> · {reasonLabel(t, turn.reason)}</>} · {Math.round(turn.processing_ms)} ms
            {turn.prompt_version != null && (
              <> · <span data-testid="why-prompt-version">{t('why.promptVersion')} v{turn.prompt_version}</span></>
            )}
          </div>
          {turn.tools.length > 0 && (
            <ul className="tools">
              {turn.tools.map((tool, i) => (
                <li key={i}>
                  <span className="mono">{tool.name}</span>
                  <span className="muted small"> {JSON.stringify(tool.args)}</span>
                  <pre className="tool-result">{readable(tool.result)}</pre>
                </li>
              ))}
            </ul>
          )}
          {turn.guard && (
            <div className="small">
              {t('why.guard')}: <span className="mono">{guardText(turn.guard, { passed: t('why.guardPassed'), fixed: t('why.guardFixed') })}</span>
            </div>
          )}
          {turn.actions.length > 0 && (
            <div className="small">
              {turn.actions.map((a) => (
                <div key={a.id}>
                  <span className="tag" title={a.kind}>
                    {actionKindLabel(t, a.kind)}
                  </span>{' '}
                  {actionSummary(t, a)}{' '}
                  <span className="badge">{orRaw(t, `actionStatus.${a.status}`, a.status)}</span>
                </div>
              ))}
            </div>
          )}
        </li>
      ))}
    </ol>
  )
}

/** The guard's verdict in one line (``{"failures": [[validator, why]], "fixed": [...]}``). */
export function guardText(
  guard: Record<string, unknown>,
  words: { passed: string; fixed: string } = { passed: 'passed', fixed: 'fixed' },
): string {
  const item = (f: unknown) =>
    Array.isArray(f) ? f.filter(Boolean).join(': ') : typeof f === 'string' ? f : JSON.stringify(f)
  const parts: string[] = []
  const failures = Array.isArray(guard.failures) ? guard.failures : []
  const fixed = Array.isArray(guard.fixed) ? guard.fixed : []
  if (failures.length) parts.push(failures.map(item).join('; '))
  if (fixed.length) parts.push(`${words.fixed}: ${fixed.map(item).join('; ')}`)
  return parts.join(' · ') || words.passed
}

/** A tool's result as the person reads it: JSON pretty-printed (no \u escapes), else as is. */
export function readable(result: string): string {
  try {
    return JSON.stringify(JSON.parse(result), null, 1)
  } catch {
    return result
  }
}

/** Only http(s) links from outside data become clickable. */
export function safeLink(url: string | null | undefined): string | null {
  return url && /^https?:\/\//i.test(url) ? url : null
}
