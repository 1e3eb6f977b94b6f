import { useEffect, useState } from 'react'
import { useI18n } from '../i18n'
import { checkValue, gatePhase, reasonText, type GateReport } from './logic'

type Version = { number: number; status: string; gate?: Record<string, unknown> | null }

/** The eval gate of a version: running (with a spinner, while the page polls), its verdict, the
 * reasons of a refusal with the failing cases, or why it could not run. */
export function GatePanel({ version }: { version: Version }) {
  const { t } = useI18n()
  const phase = gatePhase(version)
  const gate = (version.gate ?? {}) as GateReport
  if (phase === null) return null
  const n = version.number
  return (
    <div className={`gate-panel gate-${phase}`} role="status">
      <div className="gate-status" data-testid="prompt-gate-status" data-status={version.status}>
        {phase === 'running' && <span className="spinner" aria-hidden="true" />}
        <strong>
          {phase === 'running' && t('prompts.gate.running', { n })}
          {phase === 'passed' && (version.status === 'active' ? t('prompts.gate.live', { n }) : t('prompts.gate.passed'))}
          {phase === 'refused' && t('prompts.gate.refused', { n })}
          {phase === 'error' && t('prompts.gate.error')}
        </strong>
        {phase === 'running' && <Elapsed since={gate.started_at} />}
        {(phase === 'passed' || phase === 'refused') && gate.cases !== undefined && (
          <span className="muted">
            {t('prompts.gate.cases', { passed: gate.cases_passed ?? 0, total: gate.cases ?? 0 })}
            {gate.shipped_cases_passed !== undefined &&
              ` (${t('prompts.gate.shippedCases', { n: gate.shipped_cases_passed })})`}
            {gate.seconds !== undefined && ` · ${Math.round(gate.seconds)} s`}
          </span>
        )}
        <code className="status-code">{version.status}</code>
      </div>
      {phase === 'running' && <p className="hint">{t('prompts.gate.runningHint')}</p>}
      {phase === 'error' && (
        <p className="error" data-testid="prompt-gate-error">
          {gate.error}
        </p>
      )}
      {phase === 'refused' && (
        <>
          <ul className="gate-reasons">
            {(gate.reasons ?? []).map((reason, index) => (
              <li key={index}>{reasonText(t, reason)}</li>
            ))}
          </ul>
          {(gate.failures ?? []).length > 0 && (
            <div className="gate-failures" data-testid="prompt-gate-failures">
              {(gate.failures ?? []).map((failure) => (
                <div key={failure.id} className="gate-failure" data-testid={`prompt-gate-failure-${failure.id}`}>
                  <div className="gate-case">
                    <span className="mono strong">{failure.id}</span>
                    {failure.tenant && <span className="tag">{failure.tenant}</span>}
                    {failure.language && <span className="tag">{failure.language.toUpperCase()}</span>}
                  </div>
                  {failure.turns.map((turn) => (
                    <div key={turn.turn} className="gate-turn">
                      <div className="muted small">{t('prompts.gate.turn', { n: turn.turn })}</div>
                      <div className="gate-messages">
                        <div className="gate-msg in" dir="auto">
                          <span className="who">{t('prompts.gate.customer')}</span>
                          {turn.customer ?? '–'}
                        </div>
                        <div className="gate-msg out" dir="auto">
                          <span className="who">{t('prompts.gate.reply')}</span>
                          {turn.reply ?? t('prompts.gate.noReply')}
                        </div>
                      </div>
                      <table className="gate-checks">
                        <thead>
                          <tr>
                            <th>{t('prompts.gate.check')}</th>
                            <th>{t('prompts.gate.expected')}</th>
                            <th>{t('prompts.gate.actual')}</th>
                          </tr>
                        </thead>
                        <tbody>
                          {turn.checks.map((check, index) => (
                            <tr key={index}>
                              <td className="mono">{check.name ?? '–'}</td>
                              <td dir="auto">{checkValue(check.expected)}</td>
                              <td dir="auto" className="bad">
                                {checkValue(check.actual)}
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  ))}
                </div>
              ))}
              {(gate.failures_total ?? 0) > (gate.failures ?? []).length && (
                <p className="hint">
                  {t('prompts.gate.moreFailures', { n: (gate.failures_total ?? 0) - (gate.failures ?? []).length })}
                </p>
              )}
            </div>
          )}
          <p className="hint">{t('prompts.gate.refusedHint')}</p>
        </>
      )}
    </div>
  )
}

function Elapsed({ since }: { since?: string }) {
  const { t } = useI18n()
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000)
    return () => window.clearInterval(timer)
  }, [])
  if (!since) return null
  const seconds = Math.max(0, Math.round((now - new Date(since).getTime()) / 1000))
  return <span className="muted">{t('prompts.gate.elapsed', { s: seconds })}</span>
}
