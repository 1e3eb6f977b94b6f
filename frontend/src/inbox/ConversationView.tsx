import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { api, errorText, type ConversationSummary } from '../api/client'
import { SUPERVISOR_ROLES, useAuth } from '../auth'
import { useI18n } from '../i18n'
import { handoffLabel } from '../labels'
import { Composer } from './Composer'
import { MessageList } from './MessageRow'
import { SidePanel } from './SidePanel'
import { SuggestionCard } from './SuggestionCard'

export function ConversationView({
  conversationId,
  summary,
}: {
  conversationId: string
  summary: ConversationSummary | undefined
}) {
  const { t } = useI18n()
  const { me } = useAuth()
  const queryClient = useQueryClient()
  const [controlError, setControlError] = useState<string | null>(null)
  const bottom = useRef<HTMLDivElement>(null)
  const canReveal = !!me && SUPERVISOR_ROLES.includes(me.role)

  const messages = useQuery({
    queryKey: ['messages', conversationId],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/conversations/{conversation_id}/messages', {
        params: { path: { conversation_id: conversationId }, query: { limit: 200 } },
      })
      if (error) throw new Error(errorText(error))
      return data
    },
  })
  const suggestions = useQuery({
    queryKey: ['suggestions', conversationId],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/conversations/{conversation_id}/suggestions', {
        params: { path: { conversation_id: conversationId } },
      })
      if (error) throw new Error(errorText(error))
      return data.suggestions
    },
  })

  const card = useQuery({
    queryKey: ['conversation-extra', conversationId, 'card'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/conversations/{conversation_id}/card', {
        params: { path: { conversation_id: conversationId } },
      })
      if (error) throw new Error(errorText(error))
      return data
    },
  })

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['messages', conversationId] })
    void queryClient.invalidateQueries({ queryKey: ['suggestions', conversationId] })
    void queryClient.invalidateQueries({ queryKey: ['conversations'] })
  }

  const shown = useMemo(
    () => (messages.data?.messages ?? []).filter((m) => m.status !== 'suggested'),
    [messages.data],
  )
  const lastId = shown.at(-1)?.id
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' })
  }, [lastId, conversationId, suggestions.data?.length])
  // Open means read: the caller's unread count for this chat drops to 0.
  useEffect(() => {
    if (!lastId) return
    void api
      .POST('/api/conversations/{conversation_id}/read', {
        params: { path: { conversation_id: conversationId } },
      })
      .then(({ data }) => {
        if (data) void queryClient.invalidateQueries({ queryKey: ['conversations'] })
      })
  }, [lastId, conversationId, queryClient])

  async function assign(userId: string | null) {
    setControlError(null)
    const { error } = await api.POST('/api/conversations/{conversation_id}/assign', {
      params: { path: { conversation_id: conversationId } },
      body: { user_id: userId },
    })
    if (error) setControlError(errorText(error))
    refresh()
    void queryClient.invalidateQueries({ queryKey: ['conversation-extra', conversationId] })
  }

  const status = messages.data?.status ?? summary?.status ?? 'open'
  async function control(kind: 'take-over' | 'hand-back') {
    setControlError(null)
    const path =
      kind === 'take-over'
        ? ('/api/conversations/{conversation_id}/take-over' as const)
        : ('/api/conversations/{conversation_id}/hand-back' as const)
    const { error } = await api.POST(path, {
      params: { path: { conversation_id: conversationId } },
    })
    if (error) setControlError(errorText(error))
    refresh()
    void queryClient.invalidateQueries({ queryKey: ['conversation-extra', conversationId] })
  }

  const assigns = !!me && ['owner', 'admin', 'supervisor'].includes(me.role)
  const team = useQuery({
    queryKey: ['team'],
    enabled: assigns,
    staleTime: 60_000,
    queryFn: async () => (await api.GET('/api/team')).data ?? [],
  })

  const customer = summary?.customer ?? card.data?.customer
  const assigned = card.data ? card.data.assigned_user_id : summary?.assigned_user_id
  const replyWindow = card.data?.window
  return (
    <div className="conv-layout">
    <div className="conversation" data-testid="conversation" data-status={status}>
      <header className="conv-head">
        <div className="conv-title">
          <strong>{customer?.name || customer?.phone || '…'}</strong>
          {customer && <span className="muted mono">{customer.phone}</span>}
          <span className={`badge status-${status}`} data-testid="conv-status">
            {t(`status.${status}`)}
          </span>
          {summary?.handoff_reason && (
            <span className="muted" title={t('conv.handoff')}>
              {handoffLabel(t, summary.handoff_reason)}
            </span>
          )}
        </div>
        <div className="conv-controls">
          {assigns && status !== 'closed' ? (
            <select
              aria-label={t('conv.assignee')}
              value={assigned ?? ''}
              onChange={(e) => void assign(e.target.value || null)}
            >
              <option value="">{t('conv.unassigned')}</option>
              {(team.data ?? [])
                .filter((user) => user.active || user.id === assigned)
                .map((user) => (
                  <option key={user.id} value={user.id}>
                    {user.id === me?.user_id ? `${user.name} (${t('conv.me')})` : user.name}
                  </option>
                ))}
            </select>
          ) : (
            <>
              {summary?.assignee_name && assigned !== me?.user_id && (
                <span className="muted small">{t('conv.assignedTo', { name: summary.assignee_name })}</span>
              )}
              {me && status !== 'closed' && assigned !== me.user_id && (
                <button type="button" onClick={() => void assign(me.user_id)}>
                  {t('conv.assignMe')}
                </button>
              )}
              {me && status !== 'closed' && assigned === me.user_id && (
                <button type="button" onClick={() => void assign(null)}>
                  {t('conv.release')}
                </button>
              )}
            </>
          )}
          {status === 'open' && (
            <button type="button" onClick={() => void control('take-over')}>
              {t('conv.takeOver')}
            </button>
          )}
          {status === 'waiting_human' && (
            <button type="button" onClick={() => void control('hand-back')}>
              {t('conv.handBack')}
            </button>
          )}
        </div>
      </header>
      {controlError && (
        <p className="error" role="alert">
          {controlError}
        </p>
      )}
      <div className="messages" data-testid="messages">
        {messages.isLoading && <p className="muted pad">{t('common.loading')}</p>}
        {messages.isError && (
          <p className="error pad">
            {t('common.error')}{' '}
            <button type="button" className="link" onClick={() => void messages.refetch()}>
              {t('common.retry')}
            </button>
          </p>
        )}
        <MessageList messages={shown} conversationId={conversationId} canReveal={canReveal} />
        <div ref={bottom} />
      </div>
      {(suggestions.data ?? []).length > 0 && (
        <div className="suggestions">
          {(suggestions.data ?? []).map((suggestion, index, all) => (
            <SuggestionCard
              key={suggestion.message_id}
              suggestion={suggestion}
              active={index === all.length - 1}
              onDecided={refresh}
            />
          ))}
        </div>
      )}
      <Composer
        conversationId={conversationId}
        disabled={status === 'closed'}
        windowClosed={replyWindow ? !replyWindow.window_open : summary ? !summary.window_open : false}
        onSent={refresh}
      />
    </div>
    <SidePanel conversationId={conversationId} card={card.data} />
    </div>
  )
}
