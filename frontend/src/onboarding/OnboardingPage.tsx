import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, errorText, type Schemas } from '../api/client'
import { Link } from 'react-router'
import { orRaw, useI18n } from '../i18n'
import { seconds } from '../lib/format'

type Step = Schemas['Step']

/** A seller's first day: each step says whether it is done; any can be left and resumed. */
export function OnboardingPage() {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const status = useQuery({
    queryKey: ['onboarding'],
    refetchInterval: 5000,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/onboarding')
      if (error) throw new Error(errorText(error))
      return data
    },
  })
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['onboarding'] })
  const data = status.data
  return (
    <div className="page onboarding">
      <h1>{t('onb.title')}</h1>
      {status.isError && <p className="error">{t('common.error')}</p>}
      {data && data.next_step === null && (
        <p className="notice onb-done" role="status">
          {t('onb.allDone')} <Link to="/dashboard">{t('onb.toDashboard')}</Link>
        </p>
      )}
      <ol className="steps" data-testid="steps">
        {(data?.steps ?? []).map((step) => (
          <li key={step.name} className={`step${step.done ? ' done' : ''}${data?.next_step === step.name ? ' next' : ''}`} data-step={step.name}>
            <div className="step-head">
              <span className="check">{step.done ? '✓' : '○'}</span>
              <strong>{t(`onb.${step.name}`)}</strong>
              <span className="muted small">{t(`onb.${step.name}.hint`)}</span>
            </div>
            {(!step.done || step.name === 'whatsapp') && (
              <StepBody
                step={step}
                simulatorUrl={data?.simulator_url ?? null}
                sandbox={data?.sandbox_trendyol ?? null}
                onDone={refresh}
              />
            )}
            {step.name === 'first_auto_reply' && step.done && data?.time_to_first_automated_reply_s != null && (
              <p className="small" data-testid="onb-ttfr">
                {t('onb.ttfr', { s: seconds(data.time_to_first_automated_reply_s) })} ·{' '}
                <Link to="/dashboard">{t('onb.toDashboard')}</Link>
              </p>
            )}
          </li>
        ))}
      </ol>
    </div>
  )
}

type Sandbox = Schemas['SandboxTrendyol']

function StepBody({
  step,
  simulatorUrl,
  sandbox,
  onDone,
}: {
  step: Step
  simulatorUrl: string | null
  sandbox: Sandbox | null
  onDone: () => void
}) {
  const { t } = useI18n()
  if (step.name === 'trendyol') return <TrendyolForm sandbox={sandbox} onDone={onDone} />
  if (step.name === 'whatsapp') return <WhatsAppForm done={step.done} onDone={onDone} />
  if (step.name === 'cargo_automation')
    return (
      <button
        type="button"
        className="primary"
        onClick={async () => {
          await api.PATCH('/api/tenant', { body: { automation: { cargo_questions: true } } as never })
          onDone()
        }}
      >
        {t('onb.cargo_automation.on')}
      </button>
    )
  if (step.name === 'test_message' && simulatorUrl)
    return (
      <div className="inline-form">
        <a className="button-link" href={simulatorUrl} target="_blank" rel="noreferrer">
          {t('onb.openSimulator')}
        </a>
        {sandbox && <span className="muted small">{t('onb.testTitle', { phone: turkishPhone(sandbox.customer_phone) })}</span>}
      </div>
    )
  return null
}

/** "905321112233" → "+90 532 111 22 33" (other numbers as they are). */
export function turkishPhone(digits: string): string {
  const match = /^90(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits)
  return match ? `+90 ${match.slice(1).join(' ')}` : digits
}

/** Why Trendyol refused a key, in the UI's language (the API's own text when the reason is new). */
export function trendyolProblem(
  t: (key: string) => string,
  answer: { reason?: string | null; detail?: string | null } | null | undefined,
): string {
  const reason = answer?.reason
  if (reason) return orRaw(t, `onb.trendyol.${reason}`, answer?.detail ?? reason)
  return answer?.detail ?? t('common.error')
}

function TrendyolForm({ sandbox, onDone }: { sandbox: Sandbox | null; onDone: () => void }) {
  const { t } = useI18n()
  const [form, setForm] = useState({ seller_id: '', api_key: '', api_secret: '' })
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  async function test() {
    setResult(null)
    const { data, error } = await api.POST('/api/integrations/trendyol/test', { body: form })
    if (error) return setResult({ ok: false, text: errorText(error) })
    setResult(data.ok ? { ok: true, text: t('onb.trendyol.ok') } : { ok: false, text: trendyolProblem(t, data) })
  }
  async function connect(event: FormEvent) {
    event.preventDefault()
    setResult(null)
    const { error } = await api.POST('/api/integrations/trendyol', { body: form })
    if (error) {
      const detail = (error as { detail?: unknown }).detail
      const problem = detail && typeof detail === 'object' && 'reason' in detail ? (detail as { reason: string; detail?: string }) : null
      return setResult({ ok: false, text: problem ? trendyolProblem(t, problem) : errorText(error) })
    }
    setResult({ ok: true, text: t('onb.connected') })
    onDone()
  }
  return (
    <form className="inline-form wrap" onSubmit={(e) => void connect(e)}>
      {sandbox && (
        <p className="notice small full">
          {t('onb.sandbox')}: <span className="mono">{sandbox.seller_id}</span>{' '}
          <button
            type="button"
            onClick={() => setForm({ seller_id: sandbox.seller_id, api_key: sandbox.api_key, api_secret: sandbox.api_secret })}
          >
            {t('onb.useSandbox')}
          </button>
        </p>
      )}
      {(['seller_id', 'api_key', 'api_secret'] as const).map((key) => (
        <input key={key} aria-label={t(`onb.f.${key}`)} placeholder={t(`onb.f.${key}`)} value={form[key]} required type={key === 'api_secret' ? 'password' : 'text'} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
      ))}
      <button type="button" onClick={() => void test()}>
        {t('onb.test')}
      </button>
      <button type="submit" className="primary">
        {t('onb.connect')}
      </button>
      {result && (
        <p className={`${result.ok ? 'notice' : 'error'} full`} role="status" data-testid="trendyol-result">
          {result.text}
        </p>
      )}
    </form>
  )
}

function WhatsAppForm({ done, onDone }: { done: boolean; onDone: () => void }) {
  const { t } = useI18n()
  const [form, setForm] = useState({ phone_number_id: '', access_token: '', app_secret: '', display_phone_number: '' })
  const [connected, setConnected] = useState<Schemas['WhatsAppConnected'] | null>(null)
  const [check, setCheck] = useState<Schemas['WhatsAppCheck'] | null>(null)
  const [error, setError] = useState<string | null>(null)
  async function submit(event: FormEvent) {
    event.preventDefault()
    setError(null)
    // Empty optional fields are left out: the API's defaults apply.
    const body = Object.fromEntries(Object.entries(form).filter(([, value]) => value.trim()))
    const { data, error: failure } = await api.POST('/api/onboarding/whatsapp', { body: body as never })
    if (failure) return setError(errorText(failure))
    setConnected(data)
    onDone()
  }
  return (
    <div className="stack">
      {!done && (
        <form className="inline-form wrap" onSubmit={submit}>
          {(['phone_number_id', 'display_phone_number', 'access_token', 'app_secret'] as const).map((key) => (
            <input key={key} aria-label={t(`onb.f.${key}`)} placeholder={t(`onb.f.${key}`)} value={form[key]} required={key === 'phone_number_id' || key === 'access_token'} type={key === 'access_token' || key === 'app_secret' ? 'password' : 'text'} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
          ))}
          <button type="submit" className="primary">
            {t('onb.connect')}
          </button>
        </form>
      )}
      {connected && (
        <p className="notice">
          {t('onb.webhook')}: <span className="mono">{connected.webhook_url}</span> · {t('onb.verifyToken')}:{' '}
          <span className="mono">{connected.verify_token}</span>
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {done && (
        <div className="inline-form">
          <button
            type="button"
            onClick={async () => {
              const { data } = await api.POST('/api/onboarding/whatsapp/check')
              setCheck(data ?? null)
            }}
          >
            {t('onb.check')}
          </button>
          {check && <span className={check.ok ? 'ok' : 'error'}>{orRaw(t, `onb.wa.${check.reason}`, check.message)}</span>}
        </div>
      )}
    </div>
  )
}
