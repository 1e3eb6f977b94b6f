import { useMemo, type ReactNode } from 'react'
import type { MessagePublic, Schemas } from '../api/client'
import { orRaw, useI18n } from '../i18n'
import { flowLabel } from '../labels'
import { shortTime } from '../lib/format'
import { MaskedText } from './MaskedText'
import {
  amount,
  errorLine,
  EVENT_KINDS,
  flowPairs,
  mediaLabel,
  NOTE_KINDS,
  osmLink,
  pricingLabel,
  pricingTitle,
  safeUrl,
  timeline,
  type Details,
  type ReactionMark,
} from './messageKinds'

const MEDIA = new Set(['image', 'video', 'document', 'audio', 'sticker'])
/** Kinds whose text repeats what their card shows (a place's "name, address", a cart's note,
 * an edit's new text, a system event's body). */
const CARD_TEXT = new Set(['location', 'order', 'edit', 'revoke', 'reaction', 'system'])

function authorKey(message: MessagePublic): string {
  if (message.direction === 'in') return 'customer'
  return ['ai', 'agent', 'system'].includes(message.author) ? message.author : 'system'
}

/** The conversation's messages, oldest first: reactions, edits and deletes drawn on the
 * message they are about (``timeline``). */
export function MessageList({
  messages,
  conversationId,
  canReveal,
}: {
  messages: MessagePublic[]
  conversationId: string
  canReveal: boolean
}) {
  const drawn = useMemo(() => timeline(messages), [messages])
  return (
    <>
      {drawn.rows.map((message) => {
        const quotedId = message.details?.context?.message_id
        return (
          <MessageRow
            key={message.id}
            message={message}
            reaction={drawn.reactions.get(message.id)}
            quoted={quotedId ? drawn.byWaId.get(quotedId) : null}
            conversationId={conversationId}
            canReveal={canReveal}
          />
        )
      })}
    </>
  )
}

type RowProps = {
  message: MessagePublic
  reaction?: ReactionMark
  /** The message a reply quotes, when it is on the page (by WhatsApp id). */
  quoted?: MessagePublic | null
  conversationId: string
  canReveal: boolean
}

/** One message of the conversation, drawn by its kind: a bubble with the kind's card (a place,
 * contact cards, a cart, a media chip, a form's answers), its context (forwarded, the quoted
 * reply, the ad it came from), its warnings, and the badges the later events left on it. */
export function MessageRow({ message, reaction, quoted, conversationId, canReveal }: RowProps) {
  const { t, lang } = useI18n()
  const who = authorKey(message)
  const details = message.details ?? null
  const text = (
    <MaskedText
      text={message.text}
      entities={message.entities}
      conversationId={conversationId}
      messageId={message.id}
      canReveal={canReveal}
    />
  )
  const noReply = message.handling === 'no_reply' && (
    <span className="badge no-reply" data-testid="no-reply" title={t('msgk.noReplyTitle')}>
      {t('msgk.noReply')}
    </span>
  )
  if (NOTE_KINDS.has(message.kind) || isOrphanEvent(message)) {
    return (
      <div
        id={`msg-${message.id}`}
        className={`msg note kind-${message.kind}`}
        data-testid="message"
        data-kind={message.kind}
      >
        <div className="note-text" dir="auto" data-testid="kind-note">
          {noteText(t, message, text)}
        </div>
        <div className="meta">
          {shortTime(message.created_at, lang)} {noReply}
        </div>
      </div>
    )
  }
  const showText = message.text.trim() !== '' && !CARD_TEXT.has(message.kind)
  const card = kindCard(message, details, text)
  const classes = ['msg', message.direction, `author-${who}`, `st-${message.status}`, `kind-${message.kind}`]
  const auto = outboundMark(message)
  if (auto) classes.push('outbound-auto')
  if (details?.deleted) classes.push('deleted')
  return (
    <div id={`msg-${message.id}`} className={classes.join(' ')} data-testid="message" data-kind={message.kind}>
      {details?.referral && <ReferralBanner referral={details.referral} />}
      <div className="bubble" dir="auto">
        {details?.context && <ContextLine context={details.context} quoted={quoted} />}
        {card}
        {showText && (card ? <div className="caption">{text}</div> : text)}
        {!card && !showText && <span className="muted">{orRaw(t, `kind.${message.kind}`, message.kind)}</span>}
        <Warnings details={details} />
      </div>
      {reaction && (
        <span
          className={`reaction${reaction.emoji ? '' : ' removed'}`}
          data-testid="reaction"
          title={t('msgk.reactionTitle')}
        >
          {reaction.emoji ?? t('msgk.reactionRemoved')}
        </span>
      )}
      <div className="meta">
        {t(`author.${who}`)} · {shortTime(message.created_at, lang)}
        {auto && <AutoBadge mark={auto} />}
        {message.direction === 'out' && <> · {orRaw(t, `msg.${message.status}`, message.status)}</>}
        {details?.edited && (
          <span className="badge edited" data-testid="edited">
            {t('msgk.edited')}
          </span>
        )}
        {details?.deleted && (
          <span className="badge deleted" data-testid="deleted" title={t('msgk.deletedTitle')}>
            {t('msgk.deleted')}
          </span>
        )}
        {noReply}
        {details?.delivery && <Delivery delivery={details.delivery} />}
      </div>
    </div>
  )
}

/** An event still drawn: the message it is about is not on the page (``timeline``). */
function isOrphanEvent(message: MessagePublic): boolean {
  return EVENT_KINDS.has(message.kind)
}

type T = (key: string, vars?: Record<string, string | number>) => string

/** A centred note: a number change, the chat opened, an event about a message not on the page. */
function noteText(t: T, message: MessagePublic, text: ReactNode): ReactNode {
  const details = message.details
  switch (message.kind) {
    case 'system': {
      const system = details?.system
      const changed = system?.type === 'customer_changed_number' || system?.type === 'user_changed_number'
      if (changed && system?.new_wa_id) {
        return (
          <>
            📱 {t('msgk.system.number', { phone: system.new_wa_id })}
            {system.applied === false && <span className="muted"> ({t('msgk.system.notApplied')})</span>}
          </>
        )
      }
      return <>📱 {message.text.trim() ? text : t('msgk.system.other')}</>
    }
    case 'request_welcome':
      return <>👋 {t('msgk.welcome')}</>
    case 'reaction': {
      const emoji = details?.reaction?.emoji
      return emoji ? t('msgk.reactionOrphan', { emoji }) : t('msgk.reactionOrphanRemoved')
    }
    case 'edit':
      return (
        <>
          ✏️ {t('msgk.editOrphan')}
          {message.text.trim() && <>: {text}</>}
        </>
      )
    case 'revoke':
      return <>🚫 {t('msgk.revokeOrphan')}</>
    default:
      return text
  }
}

function kindCard(message: MessagePublic, details: Details | null, text: ReactNode): ReactNode {
  if (!details) return null
  if (MEDIA.has(message.kind) && details.media) return <MediaChip kind={message.kind} media={details.media} />
  if (message.kind === 'location' && details.location) return <PlaceCard location={details.location} />
  if (message.kind === 'contacts' && details.contacts?.length) return <ContactCards cards={details.contacts} />
  if (message.kind === 'order' && details.order)
    return <CartTable order={details.order} note={message.text.trim() ? text : null} />
  if (details.flow) return <FlowCard flow={details.flow} />
  if (details.call_permission) return <CallPermissionLine answer={details.call_permission} />
  if (details.reply) return <ChoiceTag type={details.interactive_type} />
  if (message.kind === 'button') return <ChoiceTag type="button" />
  if (message.kind === 'unsupported') return <UnsupportedLine />
  if (message.kind === 'unknown') return <UnknownLine wireType={details.wire_type} />
  return null
}

function MediaChip({ kind, media }: { kind: string; media: Schemas['MediaInfo'] }) {
  const { t } = useI18n()
  return (
    <span className="media-chip" data-testid="media-chip" title={media.mime_type ?? undefined} dir="auto">
      {mediaLabel(t, kind, media)}
      {media.mime_type && <span className="muted small"> · {media.mime_type.split(';')[0]}</span>}
    </span>
  )
}

function PlaceCard({ location }: { location: Schemas['LocationInfo'] }) {
  const { t } = useI18n()
  const link = osmLink(location.latitude, location.longitude)
  return (
    <div className="kind-card place" data-testid="location-card">
      <div className="card-title">📍 {location.name ? <span dir="auto">{location.name}</span> : t('kind.location')}</div>
      {location.address && (
        <div className="small" dir="auto">
          {location.address}
        </div>
      )}
      {link && (
        <div className="small">
          <span className="mono">
            {location.latitude}, {location.longitude}
          </span>{' '}
          <a href={link} target="_blank" rel="noopener noreferrer" data-testid="osm-link">
            {t('msgk.openMap')}
          </a>
        </div>
      )}
    </div>
  )
}

function ContactCards({ cards }: { cards: Schemas['ContactCard'][] }) {
  const { t } = useI18n()
  return (
    <div className="contact-cards">
      {cards.map((card, index) => (
        <div className="kind-card contact" data-testid="contact-card" key={index}>
          <div className="card-title">
            👤 <span dir="auto">{card.name || t('kind.contacts')}</span>
          </div>
          {card.organization && (
            <div className="small" dir="auto">
              {card.organization}
            </div>
          )}
          {(card.phones ?? []).map((phone, i) => (
            <div className="small mono" key={`p${i}`}>
              {phone.phone || phone.wa_id}
              {phone.type && <span className="muted"> ({phone.type.toLowerCase()})</span>}
            </div>
          ))}
          {(card.emails ?? []).map((email, i) => (
            <div className="small" key={`e${i}`} dir="auto">
              {email}
            </div>
          ))}
        </div>
      ))}
    </div>
  )
}

function CartTable({ order, note }: { order: Schemas['OrderInfo']; note: ReactNode }) {
  const { t, lang } = useI18n()
  const items = order.items ?? []
  return (
    <div className="kind-card cart" data-testid="order-card">
      <div className="card-title">🛒 {t('kind.order')}</div>
      <table>
        <thead>
          <tr>
            <th>{t('msgk.order.sku')}</th>
            <th className="num">{t('msgk.order.qty')}</th>
            <th className="num">{t('msgk.order.price')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item, index) => (
            <tr key={index}>
              <td className="mono">{item.product_retailer_id ?? '?'}</td>
              <td className="num">× {item.quantity ?? '?'}</td>
              <td className="num">
                {amount(item.item_price, lang)} {item.currency ?? ''}
              </td>
            </tr>
          ))}
          {order.items_dropped > 0 && (
            <tr>
              <td colSpan={3} className="muted" data-testid="order-more">
                {t('msgk.order.more', { n: order.items_dropped })}
              </td>
            </tr>
          )}
        </tbody>
        {order.total != null && (
          <tfoot>
            <tr>
              <th colSpan={2}>{t('msgk.order.total')}</th>
              <th className="num" data-testid="order-total">
                {amount(order.total, lang)} {order.currency ?? ''}
              </th>
            </tr>
          </tfoot>
        )}
      </table>
      {note && (
        <div className="small" dir="auto">
          {t('msgk.order.note')}: {note}
        </div>
      )}
      {order.catalog_id && (
        <div className="small muted">{t('msgk.order.catalog', { id: order.catalog_id })}</div>
      )}
    </div>
  )
}

function FlowCard({ flow }: { flow: Schemas['FlowReply'] }) {
  const { t } = useI18n()
  const pairs = flowPairs(flow.response)
  return (
    <div className="kind-card flow" data-testid="flow-card">
      <div className="card-title">
        📝 {t('msgk.flow')}
        {flow.name && <span className="muted"> · {flow.name}</span>}
      </div>
      {pairs.length ? (
        <dl>
          {pairs.map(([key, value]) => (
            <div key={key}>
              <dt className="mono">{key}</dt>
              <dd dir="auto">{value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <div className="small muted">{t('msgk.flowUnreadable')}</div>
      )}
    </div>
  )
}

function CallPermissionLine({ answer }: { answer: Schemas['CallPermission'] }) {
  const { t } = useI18n()
  const key = answer.response === 'accept' ? 'msgk.call.accept' : answer.response === 'reject' ? 'msgk.call.reject' : 'msgk.call.other'
  return <div className="small">📞 {t(key)}</div>
}

function ChoiceTag({ type }: { type: string | null | undefined }) {
  const { t } = useI18n()
  const key = type === 'list_reply' ? 'msgk.choice.list' : 'msgk.choice.button'
  return <span className="tag choice">{t(key)}</span>
}

function UnsupportedLine() {
  const { t } = useI18n()
  return <div className="warn-line">⚠️ {t('msgk.unsupported')}</div>
}

function UnknownLine({ wireType }: { wireType: string | null | undefined }) {
  const { t } = useI18n()
  return <div className="warn-line">❓ {t('msgk.unknown', { type: wireType || '?' })}</div>
}

function ContextLine({
  context,
  quoted,
}: {
  context: Schemas['MessageContext']
  quoted: MessagePublic | null | undefined
}) {
  const { t } = useI18n()
  const product = context.referred_product?.product_retailer_id
  if (!context.forwarded && !context.frequently_forwarded && !context.message_id && !product) return null
  return (
    <div className="context-line small">
      {(context.forwarded || context.frequently_forwarded) && (
        <span className="tag forwarded" data-testid="forwarded">
          ↪ {t(context.frequently_forwarded ? 'msgk.frequentlyForwarded' : 'msgk.forwarded')}
        </span>
      )}
      {context.message_id && (
        <span className="quote" data-testid="quote">
          ↩ {t('msgk.replyTo')}:{' '}
          {quoted ? (
            <button
              type="button"
              className="link"
              onClick={() => document.getElementById(`msg-${quoted.id}`)?.scrollIntoView({ block: 'center' })}
            >
              <span dir="auto">{snippet(quoted) || t('msgk.replyToMissing')}</span>
            </button>
          ) : (
            <span className="muted">{t('msgk.replyToMissing')}</span>
          )}
        </span>
      )}
      {product && <span className="tag">{t('msgk.referredProduct', { sku: product })}</span>}
    </div>
  )
}

function snippet(message: MessagePublic): string {
  const text = message.text.trim()
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}

function ReferralBanner({ referral }: { referral: Schemas['Referral'] }) {
  const { t } = useI18n()
  const link = safeUrl(referral.source_url)
  return (
    <div className="referral" data-testid="referral">
      <div className="card-title">📣 {t(referral.source_type === 'post' ? 'msgk.referral.post' : 'msgk.referral')}</div>
      {referral.headline && (
        <div className="small strong" dir="auto">
          {referral.headline}
        </div>
      )}
      {referral.body && (
        <div className="small" dir="auto">
          {referral.body}
        </div>
      )}
      {link && (
        <a className="small" href={link} target="_blank" rel="noopener noreferrer nofollow">
          {t('msgk.referral.open')}
        </a>
      )}
    </div>
  )
}

function Warnings({ details }: { details: Details | null }) {
  const { t } = useI18n()
  const errors = details?.errors ?? []
  const problems = details?.problems ?? []
  if (!errors.length && !problems.length) return null
  return (
    <div className="warnings">
      {errors.map((error, i) => (
        <div className="warn-line" data-testid="message-error" key={`e${i}`}>
          ⚠️ {t('msgk.error', { error: errorLine(error) })}
        </div>
      ))}
      {problems.map((problem, i) => (
        <div className="warn-line" data-testid="message-problem" key={`p${i}`}>
          ⚠️ {t('msgk.problem', { what: problem })}
        </div>
      ))}
    </div>
  )
}

function Delivery({ delivery }: { delivery: Schemas['DeliveryInfo'] }) {
  const { t } = useI18n()
  const errors = delivery.errors ?? []
  return (
    <>
      {delivery.pricing_category && (
        <span className="tag pricing" data-testid="pricing" title={pricingTitle(t, delivery)}>
          {pricingLabel(t, delivery.pricing_category)}
        </span>
      )}
      {errors.map((error, i) => (
        <span
          className="tag warn"
          data-testid="delivery-error"
          key={i}
          title={[error.title, error.message, error.details].filter(Boolean).join(' · ')}
        >
          {t('msgk.deliveryError', { code: error.code ?? '?' })}
        </span>
      ))}
    </>
  )
}

/** ``payload.outbound`` of a message Invekto wrote first (a rule, a flow, a campaign). */
type OutboundMark = { flow?: string | null; template?: string | null; variant?: string | null }

function outboundMark(message: MessagePublic): OutboundMark | null {
  if (message.direction !== 'out') return null
  const mark = (message as MessagePublic & { outbound?: OutboundMark | null }).outbound
  return mark && typeof mark === 'object' ? mark : null
}

/** "Otomatik mesaj · Kargo bildirimi · siparis_kargoda": what wrote it, and with which template. */
function AutoBadge({ mark }: { mark: OutboundMark }) {
  const { t } = useI18n()
  const name = [mark.flow ? flowLabel(t, mark.flow) : null, mark.template, mark.variant ? `(${mark.variant})` : null]
    .filter(Boolean)
    .join(' · ')
  return (
    <span className="badge auto" data-testid="outbound-auto" title={t('msg.autoTitle', { name: name || '–' })}>
      {t('msg.auto')}
      {name && ` · ${name}`}
    </span>
  )
}
