import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, errorText, type Schemas } from '../api/client'
import { useI18n } from '../i18n'
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
      <ol className="steps" data-testid="steps">
        {(data?.steps ?? []).map((step) => (
          <li key={step.name} className={`step${step.done ? ' done' : ''}${data?.next_step === step.name ? ' next' : ''}`} data-step={step.name}>
            <div className="step-head">
              <span className="check">{step.done ? '✓' : '○'}</span>
              <strong>{t(`onb.${step.name}`)}</strong>
              <span className="muted small">{t(`onb.${step.name}.hint`)}</span>
            </div>
            {(!step.done || step.name === 'whatsapp') && (
              <StepBody step={step} simulatorUrl={data?.simulator_url ?? null} onDone={refresh} />
            )}
            {step.name === 'first_auto_reply' && step.done && data?.time_to_first_automated_reply_s != null && (
              <p className="small">{t('onb.ttfr', { s: seconds(data.time_to_first_automated_reply_s) })}</p>
            )}
          </li>
        ))}
      </ol>
    </div>
  )
}

function StepBody({ step, simulatorUrl, onDone }: { step: Step; simulatorUrl: string | null; onDone: () => void }) {
  const { t } = useI18n()
  if (step.name === 'trendyol') return <TrendyolForm onDone={onDone} />
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
      <a className="button-link" href={simulatorUrl} target="_blank" rel="noreferrer">
        {t('onb.openSimulator')}
      </a>
    )
  return null
}

function TrendyolForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n()
  const [form, setForm] = useState({ seller_id: '', api_key: '', api_secret: '' })
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  async function call(event: FormEvent | null, store: boolean) {
    event?.preventDefault()
    setResult(null)
    const path = store ? '/api/integrations/trendyol' : '/api/integrations/trendyol/test'
    const { data, error } = await api.POST(path as '/api/integrations/trendyol', { body: form })
    if (error) return setResult({ ok: false, text: errorText(error) })
    setResult({ ok: true, text: store ? t('onb.connected') : JSON.stringify(data) })
    if (store) onDone()
  }
  return (
    <form className="inline-form wrap" onSubmit={(e) => void call(e, true)}>
      {(['seller_id', 'api_key', 'api_secret'] as const).map((key) => (
        <input key={key} aria-label={t(`onb.f.${key}`)} placeholder={t(`onb.f.${key}`)} value={form[key]} required type={key === 'api_secret' ? 'password' : 'text'} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
      ))}
      <button type="button" onClick={() => void call(null, false)}>
        {t('onb.test')}
      </button>
      <button type="submit" className="primary">
        {t('onb.connect')}
      </button>
      {result && <p className={result.ok ? 'notice' : 'error'} role="status">{result.text}</p>}
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
          {check && <span className={check.ok ? 'ok' : 'error'}>{check.message}</span>}
        </div>
      )}
    </div>
  )
}
