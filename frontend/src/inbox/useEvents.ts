import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'

export const EVENT_KINDS = [
  'message_stored',
  'message_status',
  'conversation_updated',
  'handoff',
  'suggestion_created',
  'suggestion_decided',
] as const

export type InboxEvent = {
  id: number
  kind: string
  conversation_id: string | null
  payload: Record<string, unknown>
}

/** The query keys an event makes stale: the list, and the conversation's own data. */
export function staleKeys(event: Pick<InboxEvent, 'kind' | 'conversation_id'>): unknown[][] {
  const keys: unknown[][] = [['conversations']]
  if (event.conversation_id) {
    keys.push(['messages', event.conversation_id])
    if (event.kind.startsWith('suggestion') || event.kind === 'message_stored')
      keys.push(['suggestions', event.conversation_id])
    keys.push(['conversation-extra', event.conversation_id])
  }
  return keys
}

/** Listen to the tenant's live inbox events (SSE) and refetch what they touch. Returns whether
 * the stream is connected. EventSource reconnects by itself and resumes from Last-Event-ID. */
export function useInboxEvents(token: string | null): boolean {
  const queryClient = useQueryClient()
  const [live, setLive] = useState(false)
  const pending = useRef(new Map<string, unknown[]>())
  const timer = useRef<number | undefined>(undefined)
  useEffect(() => {
    if (!token || typeof EventSource === 'undefined') return
    const source = new EventSource(`/api/events/stream?token=${encodeURIComponent(token)}`)
    const flush = () => {
      const keys = [...pending.current.values()]
      pending.current.clear()
      for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey })
    }
    const onEvent = (message: MessageEvent<string>) => {
      let event: InboxEvent
      try {
        event = JSON.parse(message.data) as InboxEvent
      } catch {
        return
      }
      for (const key of staleKeys(event)) pending.current.set(JSON.stringify(key), key)
      window.clearTimeout(timer.current)
      timer.current = window.setTimeout(flush, 120)
    }
    source.onopen = () => setLive(true)
    source.onerror = () => setLive(source.readyState === EventSource.OPEN)
    for (const kind of EVENT_KINDS) source.addEventListener(kind, onEvent)
    return () => {
      window.clearTimeout(timer.current)
      source.close()
      setLive(false)
    }
  }, [token, queryClient])
  return live
}
