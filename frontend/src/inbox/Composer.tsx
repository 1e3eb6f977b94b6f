import { useState } from 'react'
import { api, errorText } from '../api/client'
import { useI18n } from '../i18n'

type PiiConflict = { kinds: string[] }

/** The person's own reply. A TC kimlik, IBAN or card number answers 409: the person confirms
 * (``confirm_pii``) or edits. */
export function Composer({
  conversationId,
  disabled,
  windowClosed,
  onSent,
}: {
  conversationId: string
  disabled?: boolean
  windowClosed?: boolean
  onSent?: () => void
}) {
  const { t } = useI18n()
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [pii, setPii] = useState<PiiConflict | null>(null)
  const [error, setError] = useState<string | null>(null)

  async function send(confirmPii = false) {
    const body = text.trim()
    if (!body || busy) return
    setBusy(true)
    setError(null)
    const { error: failure, response } = await api.POST(
      '/api/conversations/{conversation_id}/messages',
      {
        params: { path: { conversation_id: conversationId } },
        body: { text: body, confirm_pii: confirmPii },
      },
    )
    setBusy(false)
    if (!failure) {
      setText('')
      setPii(null)
      onSent?.()
      return
    }
    const answer = failure as unknown as { entities?: { entity_type: string }[] }
    if (response.status === 409 && Array.isArray(answer.entities)) {
      setPii({ kinds: [...new Set(answer.entities.map((e) => e.entity_type))] })
    } else {
      setError(errorText(failure) || t('common.error'))
    }
  }

  return (
    <div className="composer">
      {windowClosed && (
        <p className="warning" role="alert">
          {t('conv.window')}
        </p>
      )}
      {pii && (
        <div className="warning" role="alert">
          <span>{t('reply.piiWarning', { kinds: pii.kinds.join(', ') })}</span>
          <button type="button" className="danger" onClick={() => void send(true)}>
            {t('reply.sendAnyway')}
          </button>
          <button type="button" onClick={() => setPii(null)}>
            {t('reply.cancel')}
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="composer-row">
        <textarea
          aria-label={t('reply.placeholder')}
          placeholder={t('reply.placeholder')}
          value={text}
          dir="auto"
          rows={2}
          disabled={disabled}
          onChange={(e) => {
            setText(e.target.value)
            if (pii) setPii(null)
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send()
          }}
        />
        <button
          type="button"
          className="primary"
          disabled={disabled || busy || !text.trim()}
          onClick={() => void send()}
        >
          {t('reply.send')}
        </button>
      </div>
    </div>
  )
}
