import { useEffect, useState } from 'react'
import { api } from '../api/client'
import { useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import { failureText, type PreviewRow } from './api'
import { DiffSide } from './Highlighted'
import { wordDiff, type Content } from './logic'

const LIMIT = 20

/** The business's latest AI replies beside what this version would have sent (the same texts
 * rendered with the same values in its texts and tone). */
export function ReplyPreview({ content, blocked }: { content: Content; blocked: boolean }) {
  const { t, lang } = useI18n()
  const [rows, setRows] = useState<PreviewRow[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const [onlyChanged, setOnlyChanged] = useState(false)
  const [round, setRound] = useState(0)
  const body = JSON.stringify(content)

  useEffect(() => {
    if (blocked) return
    const controller = new AbortController()
    const timer = window.setTimeout(async () => {
      setLoading(true)
      try {
        const { data, error: failure } = await api.POST('/api/prompts/preview', {
          body: { content: JSON.parse(body), limit: LIMIT },
          signal: controller.signal,
        })
        if (controller.signal.aborted) return
        if (failure) setError(failureText(failure))
        else {
          setError(null)
          setRows(data)
        }
      } catch {
        // aborted: newer content is being previewed
      } finally {
        if (!controller.signal.aborted) setLoading(false)
      }
    }, 400)
    return () => {
      window.clearTimeout(timer)
      controller.abort()
    }
  }, [body, blocked, round])

  const shown = (rows ?? []).filter((row) => !onlyChanged || row.changed)
  const changed = (rows ?? []).filter((row) => row.changed).length

  return (
    <section className="reply-preview" aria-label={t('prompts.tab.preview')}>
      <div className="box-head">
        <p className="hint">{t('prompts.preview.intro', { n: LIMIT })}</p>
        <span className="spacer" />
        {rows && rows.length > 0 && (
          <>
            <span className="muted small">{t('prompts.preview.changed', { n: changed, total: rows.length })}</span>
            <label className="check-line small">
              <input type="checkbox" checked={onlyChanged} onChange={(e) => setOnlyChanged(e.target.checked)} />
              {t('prompts.preview.onlyChanged')}
            </label>
          </>
        )}
        <button type="button" onClick={() => setRound((n) => n + 1)} disabled={blocked || loading}>
          {t('prompts.preview.refresh')}
        </button>
      </div>
      {blocked && <p className="warn-line">{t('prompts.preview.blocked')}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!blocked && rows === null && !error && <p className="muted">{t('common.loading')}</p>}
      {rows !== null && rows.length === 0 && (
        <div className="empty-state" data-testid="prompt-preview-empty">
          <strong>{t('prompts.preview.emptyTitle')}</strong>
          <p className="hint">{t('prompts.preview.empty')}</p>
        </div>
      )}
      {rows !== null && rows.length > 0 && (
        <table className="grid preview-table">
          <thead>
            <tr>
              <th>{t('prompts.preview.when')}</th>
              <th>{t('prompts.preview.customer')}</th>
              <th>{t('prompts.preview.sent')}</th>
              <th>{t('prompts.preview.draft')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const parts = row.changed ? wordDiff(row.sent, row.draft) : null
              return (
                <tr key={row.message_id} className={row.changed ? 'changed' : ''} data-testid="prompt-preview-row">
                  <td className="muted nowrap">
                    {shortTime(row.at, lang)}
                    <div className="small">
                      {row.language.toUpperCase()} · v{row.version}
                    </div>
                  </td>
                  <td className="preview-text" dir="auto">
                    {row.customer || '–'}
                  </td>
                  <td className="preview-text" dir="auto">
                    {parts ? <DiffSide parts={parts} side="before" /> : row.sent}
                  </td>
                  <td className="preview-text" dir="auto">
                    {parts ? <DiffSide parts={parts} side="after" /> : <span className="muted">{t('prompts.preview.same')}</span>}
                    {row.keys.length > 0 && (
                      <div className="small muted mono">{row.keys.join(', ')}</div>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
