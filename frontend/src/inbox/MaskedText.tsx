import { useState } from 'react'
import { api, type Schemas } from '../api/client'
import { useI18n } from '../i18n'

type Entity = Schemas['MaskedEntity']

/** A masked text: each ``<ENTITY_TYPE>`` is a chip; supervisors and owners may reveal one
 * value (the API records who saw which type of value, never the value). */
export function MaskedText({
  text,
  entities,
  conversationId,
  messageId,
  canReveal,
}: {
  text: string
  entities: Entity[]
  conversationId: string
  messageId: string
  canReveal: boolean
}) {
  const { t } = useI18n()
  const [revealed, setRevealed] = useState<Record<string, string>>({})
  if (!entities.length) return <>{text}</>
  const parts: React.ReactNode[] = []
  let cursor = 0
  for (const entity of [...entities].sort((a, b) => a.start - b.start)) {
    if (entity.start < cursor) continue
    parts.push(text.slice(cursor, entity.start))
    const value = revealed[entity.ref]
    parts.push(
      <span key={entity.ref} className={value ? 'pii revealed' : 'pii'} title={entity.entity_type}>
        {value ?? entity.entity_type.toLowerCase().replace(/_/g, ' ')}
        {!value && canReveal && (
          <button
            type="button"
            className="reveal"
            title={t('conv.revealTitle')}
            onClick={async () => {
              const { data } = await api.POST('/api/conversations/{conversation_id}/reveal', {
                params: { path: { conversation_id: conversationId } },
                body: { message_id: messageId, ref: entity.ref },
              })
              if (data) setRevealed((now) => ({ ...now, [entity.ref]: data.value }))
            }}
          >
            {t('conv.reveal')}
          </button>
        )}
      </span>,
    )
    cursor = entity.end
  }
  parts.push(text.slice(cursor))
  return <>{parts}</>
}
