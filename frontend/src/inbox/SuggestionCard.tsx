import { useEffect, useRef, useState } from 'react'
import { api, conflictCode, errorText, type SuggestionPublic } from '../api/client'
import { useI18n } from '../i18n'
import { actionKindLabel, actionSummary, agentLabel, reasonLabel } from '../labels'

type Mode = 'view' | 'edit' | 'reject'
type Attempt = { kind: 'accept' | 'send'; confirmNewer: boolean; confirmPii: boolean }
type Conflict = { code: 'newer_messages' | 'confirm_pii'; count?: number; attempt: Attempt }

export type ShortcutKey = 'a' | 'e' | 'r'

/** The pending actions' ids that go with the reply: all of them unless the person unticks. */
export function initialKept(suggestion: SuggestionPublic): Set<string> {
  return new Set(suggestion.actions.filter((a) => a.status === 'pending').map((a) => a.id))
}

/** One suggested reply with its pending actions: accept (one click), edit then send, or reject
 * with a reason. A 409 ``newer_messages`` or ``confirm_pii`` shows a warning and a "send
 * anyway" that repeats the same decision with the confirmation. */
export function SuggestionCard({
  suggestion,
  active = false,
  onDecided,
}: {
  suggestion: SuggestionPublic
  active?: boolean
  onDecided?: () => void
}) {
  const { t } = useI18n()
  const [mode, setMode] = useState<Mode>('view')
  const [kept, setKept] = useState<Set<string>>(() => initialKept(suggestion))
  const [text, setText] = useState(suggestion.text)
  const [reason, setReason] = useState('')
  const [conflict, setConflict] = useState<Conflict | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const editor = useRef<HTMLTextAreaElement>(null)
  const reasonBox = useRef<HTMLInputElement>(null)
  const pending = suggestion.actions.filter((a) => a.status === 'pending')
  const allKept = pending.every((a) => kept.has(a.id))

  async function decide(attempt: Attempt) {
    setBusy(true)
    setError(null)
    const id = suggestion.message_id
    const result =
      attempt.kind === 'accept' && allKept
        ? await api.POST('/api/suggestions/{message_id}/accept', {
            params: { path: { message_id: id } },
            body: { confirm_newer: attempt.confirmNewer },
          })
        : await api.POST('/api/suggestions/{message_id}/send', {
            params: { path: { message_id: id } },
            body: {
              text: attempt.kind === 'accept' ? suggestion.text : text,
              keep_actions: pending.filter((a) => kept.has(a.id)).map((a) => a.id),
              confirm_newer: attempt.confirmNewer,
              confirm_pii: attempt.confirmPii,
            },
          })
    setBusy(false)
    if (!result.error) {
      setConflict(null)
      onDecided?.()
      return
    }
    const body: unknown = result.error
    const code = result.response.status === 409 ? conflictCode(body) : null
    if (code === 'newer_messages' || code === 'confirm_pii') {
      const count = (body as { newer_messages?: number }).newer_messages
      setConflict({ code, count, attempt })
    } else if (code === 'already_decided') {
      setError(t('sugg.decided'))
      onDecided?.()
    } else {
      setError(errorText(body) || t('common.error'))
    }
  }

  async function reject() {
    if (!reason.trim()) {
      reasonBox.current?.focus()
      return
    }
    setBusy(true)
    setError(null)
    const { error: failure } = await api.POST('/api/suggestions/{message_id}/reject', {
      params: { path: { message_id: suggestion.message_id } },
      body: { reason: reason.trim() },
    })
    setBusy(false)
    if (failure) setError(errorText(failure) || t('common.error'))
    else onDecided?.()
  }

  function confirmConflict() {
    if (!conflict) return
    const again = { ...conflict.attempt }
    if (conflict.code === 'newer_messages') again.confirmNewer = true
    else again.confirmPii = true
    setConflict(null)
    void decide(again)
  }

  // Keyboard shortcuts, dispatched by the inbox to the active card.
  const latest = useRef({ mode, decide, busy })
  latest.current = { mode, decide, busy }
  useEffect(() => {
    if (!active) return
    const onShortcut = (event: Event) => {
      const key = (event as CustomEvent<ShortcutKey>).detail
      const now = latest.current
      if (now.busy) return
      if (key === 'a' && now.mode === 'view')
        void now.decide({ kind: 'accept', confirmNewer: false, confirmPii: false })
      if (key === 'e') setMode('edit')
      if (key === 'r') setMode('reject')
    }
    window.addEventListener('invekto:shortcut', onShortcut)
    return () => window.removeEventListener('invekto:shortcut', onShortcut)
  }, [active])

  // Entering a mode puts the cursor where the person types next.
  useEffect(() => {
    if (mode === 'edit') {
      const box = editor.current
      box?.focus()
      box?.setSelectionRange(box.value.length, box.value.length)
    }
    if (mode === 'reject') reasonBox.current?.focus()
  }, [mode])

  return (
    <section
      className={`suggestion${active ? ' active' : ''}`}
      data-testid="suggestion"
      data-message-id={suggestion.message_id}
      aria-label={t('sugg.title')}
    >
      <header>
        <strong>{t('sugg.title')}</strong>
        {suggestion.agent && (
          <span className="tag" title={suggestion.agent}>
            {agentLabel(t, suggestion.agent)}
          </span>
        )}
        {suggestion.reason && (
          <span className="muted">
            {t('sugg.reason')}: {reasonLabel(t, suggestion.reason)}
          </span>
        )}
        {suggestion.newer_inbound > 0 && (
          <span className="tag warn">+{suggestion.newer_inbound}</span>
        )}
      </header>
      {mode === 'edit' ? (
        <textarea
          ref={editor}
          className="editor"
          aria-label={t('sugg.edit')}
          value={text}
          rows={Math.min(8, Math.max(3, text.split('\n').length + 1))}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey))
              void decide({ kind: 'send', confirmNewer: false, confirmPii: false })
            if (e.key === 'Escape') setMode('view')
          }}
        />
      ) : (
        <p className="suggestion-text" dir="auto">
          {suggestion.text}
        </p>
      )}
      {pending.length > 0 && (
        <fieldset className="actions" disabled={mode === 'reject'}>
          <legend title={t('sugg.actionsHint')}>{t('sugg.actions')}</legend>
          {pending.map((action) => (
            <label key={action.id}>
              <input
                type="checkbox"
                checked={kept.has(action.id)}
                onChange={(e) => {
                  const next = new Set(kept)
                  if (e.target.checked) next.add(action.id)
                  else next.delete(action.id)
                  setKept(next)
                }}
              />
              <span className="tag" title={action.kind}>
                {actionKindLabel(t, action.kind)}
              </span>{' '}
              {actionSummary(t, action)}
            </label>
          ))}
        </fieldset>
      )}
      {conflict && (
        <div className="warning" role="alert">
          <span>
            {conflict.code === 'newer_messages'
              ? t('sugg.newer', { n: conflict.count ?? '?' })
              : t('sugg.pii')}
          </span>
          <button type="button" className="danger" onClick={confirmConflict} disabled={busy}>
            {t('sugg.sendAnyway')}
          </button>
          <button type="button" onClick={() => setConflict(null)}>
            {t('sugg.cancel')}
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {mode === 'reject' && (
        <div className="reject-row">
          <input
            ref={reasonBox}
            aria-label={t('sugg.rejectReason')}
            placeholder={t('sugg.rejectReason')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void reject()
              if (e.key === 'Escape') setMode('view')
            }}
          />
          <button type="button" className="danger" onClick={() => void reject()} disabled={busy}>
            {t('sugg.rejectConfirm')}
          </button>
          <button type="button" onClick={() => setMode('view')}>
            {t('sugg.cancel')}
          </button>
        </div>
      )}
      {mode !== 'reject' && (
        <div className="buttons">
          {mode === 'edit' ? (
            <>
              <button
                type="button"
                className="primary"
                disabled={busy || !text.trim()}
                onClick={() => void decide({ kind: 'send', confirmNewer: false, confirmPii: false })}
              >
                {t('sugg.sendEdited')}
              </button>
              <button
                type="button"
                onClick={() => {
                  setMode('view')
                  setText(suggestion.text)
                }}
              >
                {t('sugg.cancel')}
              </button>
            </>
          ) : (
            <>
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() =>
                  void decide({ kind: 'accept', confirmNewer: false, confirmPii: false })
                }
              >
                {t('sugg.accept')} {active && <kbd>a</kbd>}
              </button>
              <button type="button" disabled={busy} onClick={() => setMode('edit')}>
                {t('sugg.edit')} {active && <kbd>e</kbd>}
              </button>
              <button type="button" disabled={busy} onClick={() => setMode('reject')}>
                {t('sugg.reject')} {active && <kbd>r</kbd>}
              </button>
            </>
          )}
        </div>
      )}
    </section>
  )
}
