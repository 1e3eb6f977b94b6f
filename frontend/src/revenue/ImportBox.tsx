import { useQueryClient } from '@tanstack/react-query'
import { useRef, useState, type FormEvent } from 'react'
import { useI18n } from '../i18n'
import { importCsv, KEYS, type ImportReport } from './api'
import { MAX_CSV_BYTES } from './logic'

/** Rejected rows shown at most (a 10,000-row file may reject them all). */
const SHOWN_REJECTED = 200

/** The catalogue CSV upload (owners and admins): the file goes up as it is and the API's report
 * comes back: counts, and each rejected row with its line and reason. */
export function ImportBox() {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const input = useRef<HTMLInputElement>(null)
  const [file, setFile] = useState<File | null>(null)
  const [busy, setBusy] = useState(false)
  const [report, setReport] = useState<ImportReport | null>(null)
  const [error, setError] = useState<string | null>(null)

  async function upload(event: FormEvent) {
    event.preventDefault()
    if (!file) return
    setError(null)
    setReport(null)
    if (file.size > MAX_CSV_BYTES) return setError(t('rev.import.tooBig'))
    setBusy(true)
    try {
      const result = await importCsv(file)
      if (result.status === 413) setError(t('rev.import.tooBig'))
      else if (result.error !== undefined) setError(result.error || t('common.error'))
      if (result.report) {
        setReport(result.report)
        setFile(null)
        if (input.current) input.current.value = ''
        await queryClient.invalidateQueries({ queryKey: KEYS.products })
      }
    } catch {
      setError(t('common.error'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="import-box" onSubmit={upload} aria-label={t('rev.import.title')} data-testid="import-form">
      <div className="box-head">
        <h2>{t('rev.import.title')}</h2>
        <span className="hint">{t('rev.import.columns')}</span>
      </div>
      <div className="field-row">
        {/* The browser's own file button speaks the browser's language: this one speaks the app's. */}
        <label className="file-pick">
          <input
            ref={input}
            type="file"
            accept=".csv,text/csv"
            aria-label={t('rev.import.file')}
            data-testid="import-file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null)
              setError(null)
            }}
          />
          <span className="file-button">{t('rev.import.choose')}</span>
          <span className={file ? 'file-name' : 'file-name muted'}>{file ? file.name : t('rev.import.noFile')}</span>
        </label>
        <button type="submit" className="primary" disabled={!file || busy} data-testid="import-submit">
          {busy ? t('rev.import.busy') : t('rev.import.submit')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="import-error">
          {error}
        </p>
      )}
      {report && <ImportReportView report={report} />}
    </form>
  )
}

export function ImportReportView({ report }: { report: ImportReport }) {
  const { t } = useI18n()
  const counts: [string, number][] = [
    ['rows', report.rows],
    ['created', report.created],
    ['updated', report.updated],
    ['tiers', report.tiers_set],
    ['rejected', report.rejected.length],
  ]
  const hidden = report.rejected.length - SHOWN_REJECTED
  return (
    <div className="import-report" data-testid="import-report">
      <ul className="import-counts">
        {counts.map(([key, n]) => (
          <li key={key} className={key === 'rejected' && n ? 'bad' : ''} data-testid={`import-${key}`}>
            <strong>{n}</strong> {t(`rev.import.${key}`)}
          </li>
        ))}
      </ul>
      {report.rejected.length === 0 ? (
        <p className="ok">{t('rev.import.allGood')}</p>
      ) : (
        <table className="grid compact" data-testid="import-rejected-rows">
          <thead>
            <tr>
              <th className="num">{t('rev.import.line')}</th>
              <th>{t('rev.import.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {report.rejected.slice(0, SHOWN_REJECTED).map((row, index) => (
              <tr key={`${row.line}-${index}`}>
                <td className="num">{row.line}</td>
                <td className="reason-cell">{row.reason}</td>
              </tr>
            ))}
            {hidden > 0 && (
              <tr>
                <td colSpan={2} className="muted">
                  {t('rev.import.more', { n: hidden })}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  )
}
