import type { Schemas } from './api/client'
import { orRaw, type Vars } from './i18n'

/** The codes the API speaks (intents, agents, outcomes, Trendyol statuses, action kinds) in the
 * UI's language. An unknown code (a new intent, agent or status) is shown as it is. */
type T = (key: string, vars?: Vars) => string

export const intentLabel = (t: T, intent: string) => orRaw(t, `intent.${intent}`, intent)
export const agentLabel = (t: T, agent: string) => orRaw(t, `agent.${agent}`, agent)
export const outcomeLabel = (t: T, outcome: string) => orRaw(t, `outcome.${outcome}`, outcome)
export const orderStatusLabel = (t: T, status: string) => orRaw(t, `order.${status}`, status)
export const actionKindLabel = (t: T, kind: string) => orRaw(t, `actionKind.${kind}`, kind)
export const understoodByLabel = (t: T, layer: string) => orRaw(t, `understood.${layer}`, layer)

/** Why a reply was not sent or a chat was handed over: ``automation_off``, ``guard:<validator>``,
 * a hand-over reason... */
export function reasonLabel(t: T, reason: string): string {
  if (reason.startsWith('guard:')) return t('reason.guard', { v: reason.slice('guard:'.length) })
  const kind = kindReason(t, reason)
  if (kind) return kind
  const known = orRaw(t, `reason.${reason}`, '')
  return known || orRaw(t, `handoff.${reason}`, reason)
}

const KIND_REASON = 'message_kind:'

/** A hand-over for what came (``message_kind:location``, ``message_kind:voice``...; see
 * docs/message-kinds.md) in words: "mesaj türü: Konum"; null for another reason. */
function kindReason(t: T, reason: string): string | null {
  if (!reason.startsWith(KIND_REASON)) return null
  const kind = reason.slice(KIND_REASON.length)
  return t('reason.message_kind', { kind: orRaw(t, `kind.${kind}`, kind) })
}

/** Why a conversation waits for a person (``conversations.handoff_reason``). */
export function handoffLabel(t: T, reason: string): string {
  return kindReason(t, reason) ?? orRaw(t, `handoff.${reason}`, reason)
}

const SERVICE_REQUESTS = new Set(['cancel_request', 'invoice_request', 'address_change'])

type ActionFields = Schemas['ActionFields']

/** A proposed action's one-line summary in the UI's language, from the action's own ``fields``
 * (the order number, the coupon's code and percent, the return step...). The API's ``summary``
 * is one English line kept for older clients: it is shown as it is only for an action kind this
 * UI does not know, or when the fields it needs are missing. */
export function actionSummary(
  t: T,
  action: { kind: string; summary: string; fields?: ActionFields | null },
): string {
  const { kind, summary } = action
  const fields = action.fields
  if (!fields) return summary
  if (SERVICE_REQUESTS.has(kind)) {
    return fields.order_number ? t(`action.${kind}`, { order: fields.order_number }) : summary
  }
  if (kind === 'coupon') {
    if (!fields.code || fields.percent == null) return summary
    const reason = fields.reason ? orRaw(t, `returnReason.${fields.reason}`, fields.reason) : '–'
    return t('action.coupon', { code: fields.code, percent: fields.percent, reason })
  }
  if (kind === 'return_step') {
    if (!fields.step) return summary
    const step = orRaw(t, `returnStep.${fields.step}`, fields.step)
    return fields.order_number
      ? t('action.return_step.order', { step, order: fields.order_number })
      : t('action.return_step', { step })
  }
  if (kind === 'lead') {
    const company = fields.company || '?'
    const items = (fields.products ?? [])
      .map((p) => (p.quantity ? `${p.product} × ${p.quantity}` : p.product))
      .join(', ')
    return items ? t('action.lead.items', { company, items }) : t('action.lead', { company })
  }
  if (kind === 'sales_alert') {
    const channels = fields.channels ?? []
    return channels.length
      ? t('action.sales_alert.channels', { channels: channels.join(', ') })
      : t('action.sales_alert')
  }
  return summary
}

// --- outbound (templates, automations, campaigns) ---------------------------------------------

/** Meta's template status (``APPROVED``, ``REJECTED``...) in words. */
export const templateStatusLabel = (t: T, status: string) => orRaw(t, `tplStatus.${status}`, status)
/** A rule's trigger: an event kind (``order_delivered``) or ``schedule``. */
export const triggerLabel = (t: T, kind: string) => orRaw(t, `trigger.${kind}`, kind)
export const campaignStatusLabel = (t: T, status: string) => orRaw(t, `campStatus.${status}`, status)
/** A built-in flow (``post_purchase``, ``shipping_update``...). */
export const flowLabel = (t: T, flow: string) => orRaw(t, `flow.${flow}`, flow)
/** A field of an event or a recipient a template variable is filled from. */
export const fieldLabel = (t: T, field: string) => orRaw(t, `field.${field}`, field)
