import type { MessagePublic, Schemas } from '../api/client'
import { locale, orRaw, type Lang, type Vars } from '../i18n'

/** How the inbox shows each WhatsApp message kind (docs/message-kinds.md): the logic, without
 * React, so it is tested on its own. */

type T = (key: string, vars?: Vars) => string
export type Details = Schemas['MessageDetails']

/** Events about another message: shown on that message (an emoji, an "edited" / "deleted"
 * badge), not as a bubble of their own. */
export const EVENT_KINDS = new Set(['reaction', 'edit', 'revoke'])

/** Kinds shown as a centred note rather than a customer's bubble. */
export const NOTE_KINDS = new Set(['system', 'request_welcome'])

export type ReactionMark = { emoji: string | null }

export type Timeline = {
  /** The messages to draw, oldest first (events whose message is on the page left out). */
  rows: MessagePublic[]
  /** The customer's current reaction per message id (null emoji: taken back). */
  reactions: Map<string, ReactionMark>
  /** Message id by WhatsApp id (what reactions, replies, edits and deletes point at). */
  byWaId: Map<string, MessagePublic>
}

function target(message: MessagePublic): string | null | undefined {
  const details = message.details
  if (!details) return null
  if (message.kind === 'reaction') return details.reaction?.message_id
  if (message.kind === 'edit') return details.edit?.original_message_id
  if (message.kind === 'revoke') return details.revoke?.original_message_id
  return null
}

/** The page's messages as drawn: a reaction becomes the emoji on the message it reacts to (the
 * latest one wins; an empty emoji takes it back), an edit or a delete collapses into the badge
 * the original already carries. An event whose message is not on the page stays, as a note. */
export function timeline(messages: MessagePublic[]): Timeline {
  const byWaId = new Map<string, MessagePublic>()
  for (const message of messages) if (message.wa_message_id) byWaId.set(message.wa_message_id, message)
  const reactions = new Map<string, ReactionMark>()
  const rows: MessagePublic[] = []
  for (const message of messages) {
    if (EVENT_KINDS.has(message.kind)) {
      const id = target(message)
      const original = id ? byWaId.get(id) : undefined
      if (original && original.id !== message.id) {
        if (message.kind === 'reaction')
          reactions.set(original.id, { emoji: message.details?.reaction?.emoji || null })
        continue
      }
    }
    rows.push(message)
  }
  return { rows, reactions, byWaId }
}

const ICONS: Record<string, string> = {
  voice: '🎤',
  audio: '🎵',
  image: '📷',
  video: '🎬',
  document: '📄',
  sticker: '💟',
  location: '📍',
  contacts: '👤',
  order: '🛒',
  flow: '📝',
  interactive: '📝',
  edit: '✏️',
  revoke: '🚫',
  system: '📱',
  request_welcome: '👋',
  call_permission: '📞',
  unsupported: '⚠️',
  unknown: '❓',
}

/** The conversation list's preview: the text, else the kind ("📍 Konum", "🛒 Sepet"). The
 * list does not say whether an audio was recorded as a voice note; most are. */
export function preview(t: T, last: { text: string; kind?: string } | null | undefined): string {
  if (!last) return ''
  if (last.text.trim()) return last.text
  const kind = last.kind ?? 'text'
  const key = kind === 'audio' ? 'voice' : kind
  const label = orRaw(t, `kind.${key}`, '')
  if (!label) return ''
  return ICONS[key] ? `${ICONS[key]} ${label}` : label
}

/** A media message's chip: 🎤 voice note, the file name of a document, else the kind. */
export function mediaLabel(t: T, kind: string, media: Schemas['MediaInfo']): string {
  if (kind === 'audio') return media.voice ? `${ICONS.voice} ${t('kind.voice')}` : `${ICONS.audio} ${t('kind.audio')}`
  if (kind === 'document') return `${ICONS.document} ${media.filename || t('kind.document')}`
  return `${ICONS[kind] ?? '📎'} ${orRaw(t, `kind.${kind}`, kind)}`
}

/** OpenStreetMap at the shared coordinates (a plain link: nothing is loaded from it here). */
export function osmLink(latitude: number | null | undefined, longitude: number | null | undefined): string | null {
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return null
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null
  return `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=17/${latitude}/${longitude}`
}

/** ``url`` when it is an http(s) address (an ad's link comes from outside: no ``javascript:``). */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null
  } catch {
    return null
  }
}

/** A completed flow's answers as key/value lines (``flow_token`` left out; nested values as
 * JSON, lists joined). */
export function flowPairs(response: Record<string, unknown> | null | undefined): [string, string][] {
  if (!response) return []
  return Object.entries(response)
    .filter(([key]) => key !== 'flow_token')
    .map(([key, value]) => {
      if (value === null || value === undefined) return [key, '–']
      if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null))
        return [key, value.map(String).join(', ')]
      if (typeof value === 'object') return [key, JSON.stringify(value)]
      return [key, String(value)]
    })
}

/** A price or total (a decimal string from the API) in the UI's language: 1.249,80 / 1,249.80. */
export function amount(value: string | number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || value === '') return '–'
  const number = Number(value)
  if (!Number.isFinite(number)) return String(value)
  return number.toLocaleString(locale(lang), { minimumFractionDigits: 2, maximumFractionDigits: 2 })
}

/** One error line: "131051 Message type unknown (…)". */
export function errorLine(error: Schemas['MessageError']): string {
  const words = [error.title, error.message !== error.title ? error.message : null, error.details]
    .filter(Boolean)
    .join(' · ')
  return [error.code ?? '', words].filter((part) => part !== '').join(' ')
}

/** The tooltip of an outbound message's pricing (category, type, model, billable). */
export function pricingTitle(t: T, delivery: Schemas['DeliveryInfo']): string {
  const parts = [
    delivery.pricing_category && t('msgk.pricing.category', { v: pricingLabel(t, delivery.pricing_category) }),
    delivery.pricing_type && t('msgk.pricing.type', { v: delivery.pricing_type }),
    delivery.pricing_model && t('msgk.pricing.model', { v: delivery.pricing_model }),
    typeof delivery.billable === 'boolean' && t(delivery.billable ? 'msgk.pricing.billable' : 'msgk.pricing.free'),
  ]
  return parts.filter(Boolean).join(' · ')
}

export const pricingLabel = (t: T, category: string) => orRaw(t, `pricing.${category}`, category)
