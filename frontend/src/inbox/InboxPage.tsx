import { useInfiniteQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import { api, errorText, type ConversationSummary } from '../api/client'
import { useAuth } from '../auth'
import { useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import { ConversationView } from './ConversationView'
import { preview } from './messageKinds'
import { useInboxEvents } from './useEvents'

export const FILTERS = ['all', 'needs_human', 'ai', 'suggestion', 'mine', 'closed'] as const
export type Filter = (typeof FILTERS)[number]
const PAGE = 40

/** True when a key press belongs to a text field (shortcuts are off while typing). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return (
    target.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
  )
}

export function InboxPage() {
  const { t, lang } = useI18n()
  const { token } = useAuth()
  const { conversationId } = useParams()
  const navigate = useNavigate()
  const [filter, setFilter] = useState<Filter>('all')
  const [search, setSearch] = useState('')
  const [q, setQ] = useState('')
  useEffect(() => {
    const timer = window.setTimeout(() => setQ(search.trim()), 250)
    return () => window.clearTimeout(timer)
  }, [search])
  const live = useInboxEvents(token)

  const list = useInfiniteQuery({
    queryKey: ['conversations', filter, q],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const { data, error } = await api.GET('/api/conversations', {
        params: { query: { filter, q: q || undefined, limit: PAGE, before: pageParam } },
      })
      if (error) throw new Error(errorText(error))
      return data
    },
    getNextPageParam: (last) => last.next_before ?? undefined,
  })
  const conversations = useMemo(() => {
    const seen = new Set<string>()
    const all: ConversationSummary[] = []
    for (const page of list.data?.pages ?? [])
      for (const c of page.conversations) if (!seen.has(c.id) && seen.add(c.id)) all.push(c)
    return all
  }, [list.data])
  const selected = conversations.find((c) => c.id === conversationId)

  // j/k: next/previous conversation; a/e/r go to the active suggestion card.
  const order = useRef<string[]>([])
  order.current = conversations.map((c) => c.id)
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return
      const key = event.key
      if (key === 'j' || key === 'k') {
        const ids = order.current
        if (!ids.length) return
        const at = conversationId ? ids.indexOf(conversationId) : -1
        const next = key === 'j' ? Math.min(ids.length - 1, at + 1) : Math.max(0, at - 1)
        navigate(`/inbox/${ids[next]}`)
        event.preventDefault()
      } else if (key === 'a' || key === 'e' || key === 'r') {
        window.dispatchEvent(new CustomEvent('invekto:shortcut', { detail: key }))
        event.preventDefault()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [conversationId, navigate])

  return (
    <div className="inbox">
      <aside className="conv-list">
        <div className="list-head">
          <div className="filters" role="tablist">
            {FILTERS.map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                aria-selected={filter === name}
                className={filter === name ? 'active' : ''}
                onClick={() => setFilter(name)}
              >
                {t(`inbox.filter.${name}`)}
              </button>
            ))}
          </div>
        </div>
        <div className="search">
          <input
            type="search"
            aria-label={t('inbox.search')}
            placeholder={t('inbox.search')}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setSearch('')}
          />
        </div>
        {list.isLoading && <p className="muted pad">{t('common.loading')}</p>}
        {list.isError && (
          <p className="error pad" role="alert">
            {t('common.error')}{' '}
            <button type="button" className="link" onClick={() => void list.refetch()}>
              {t('common.retry')}
            </button>
          </p>
        )}
        {!list.isLoading && !list.isError && !conversations.length && (
          <p className="muted pad">{t('inbox.empty')}</p>
        )}
        <ul data-testid="conversation-list">
          {conversations.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className={`conv-item${c.id === conversationId ? ' selected' : ''}`}
                data-testid="conversation-item"
                data-id={c.id}
                onClick={() => navigate(`/inbox/${c.id}`)}
              >
                <span className="row1">
                  <span className="name">{c.customer.name || c.customer.phone}</span>
                  {c.assignee_name && <span className="assignee">{c.assignee_name}</span>}
                  <span className="time">{shortTime(c.last_message_at, lang)}</span>
                </span>
                <span className="row2">
                  <span className="preview" dir="auto">
                    {c.last_message?.direction === 'out' && <span className="muted">↩ </span>}
                    {preview(t, c.last_message)}
                  </span>
                  {c.pending_suggestions > 0 && (
                    <span className="pill sugg" title={t('inbox.suggestionWaiting')}>
                      ✎{c.pending_suggestions > 1 ? c.pending_suggestions : ''}
                    </span>
                  )}
                  {c.status !== 'open' && (
                    <span className={`dot status-${c.status}`} title={t(`status.${c.status}`)} />
                  )}
                  {c.unread > 0 && (
                    <span className="pill unread" data-testid="unread" title={t('inbox.unread', { n: c.unread })}>
                      {c.unread}
                    </span>
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {list.hasNextPage && (
          <button
            type="button"
            className="load-more"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {t('inbox.loadMore')}
          </button>
        )}
        <div className="list-foot">
          <span className="shortcuts muted">{t('inbox.shortcuts')}</span>
          <span className={`live ${live ? 'on' : 'off'}`} data-testid="live">
            ● {live ? t('inbox.live') : t('inbox.offline')}
          </span>
        </div>
      </aside>
      <section className="conv-pane">
        {conversationId ? (
          <ConversationView key={conversationId} conversationId={conversationId} summary={selected} />
        ) : (
          <p className="muted pad center">{t('inbox.pick')}</p>
        )}
      </section>
    </div>
  )
}
