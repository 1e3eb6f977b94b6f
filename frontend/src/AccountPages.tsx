import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent, type ReactNode } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { api, errorText } from './api/client'
import { LangSwitch } from './App'
import { useAuth } from './auth'
import { useI18n } from './i18n'

function Box({ title, children, onSubmit }: { title: string; children: ReactNode; onSubmit: (e: FormEvent) => void }) {
  const { t } = useI18n()
  return (
    <div className="login-page">
      <form className="login-box" onSubmit={onSubmit}>
        <div className="login-head">
          <h1>{t('app.name')}</h1>
          <LangSwitch />
        </div>
        <h2>{title}</h2>
        {children}
      </form>
    </div>
  )
}

function Field({ label, ...input }: { label: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label>
      {label}
      <input {...input} />
    </label>
  )
}

/** ``/invite?token=…``: the invited person chooses a name and password and is logged in. */
export function AcceptInvitePage() {
  const { t } = useI18n()
  const { adopt } = useAuth()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const info = useQuery({
    queryKey: ['invite', token],
    retry: false,
    queryFn: async () => {
      const { data, error: failure } = await api.GET('/api/team/invites/lookup', {
        params: { query: { token } },
      })
      if (failure) throw new Error(errorText(failure))
      return data
    },
  })
  async function submit(event: FormEvent) {
    event.preventDefault()
    setError(null)
    const { data, error: failure } = await api.POST('/api/team/invites/accept', {
      body: { token, name, password },
    })
    if (failure) return setError(errorText(failure) || t('common.error'))
    adopt(data.access_token)
    navigate('/inbox', { replace: true })
  }
  return (
    <Box title={t('invite.title')} onSubmit={submit}>
      {info.isError && <p className="error" role="alert">{t('invite.invalid')}</p>}
      {info.data && (
        <p className="muted" data-testid="invite-info">
          {t('invite.for', { tenant: info.data.tenant_name, email: info.data.email, role: t(`role.${info.data.role}`) })}
        </p>
      )}
      <Field label={t('team.name')} name="name" value={name} onChange={(e) => setName(e.target.value)} required />
      <Field label={t('login.password')} name="password" type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} required />
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={!info.data}>
        {t('invite.accept')}
      </button>
    </Box>
  )
}

/** ``/reset-password``: without a token, ask for a reset link by e-mail; with
 * ``?token=…`` (the link), set a new password. */
export function ResetPasswordPage() {
  const { t } = useI18n()
  const [params] = useSearchParams()
  const token = params.get('token')
  const [value, setValue] = useState('')
  const [done, setDone] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  async function submit(event: FormEvent) {
    event.preventDefault()
    setError(null)
    if (!token) {
      const { data, error: failure } = await api.POST('/api/auth/password-reset', { body: { email: value } })
      if (failure) return setError(errorText(failure) || t('common.error'))
      return setDone(data.link ? `${t('reset.sent')} ${data.link}` : t('reset.sent'))
    }
    const { error: failure } = await api.POST('/api/auth/password-reset/confirm', {
      body: { token, new_password: value },
    })
    if (failure) return setError(errorText(failure) || t('common.error'))
    setDone(t('reset.done'))
  }
  return (
    <Box title={t('reset.title')} onSubmit={submit}>
      {done ? (
        <p role="status" className="notice">
          {done} <Link to="/login">{t('login.submit')}</Link>
        </p>
      ) : (
        <>
          {token ? (
            <Field label={t('reset.new')} name="password" type="password" autoComplete="new-password" minLength={8} value={value} onChange={(e) => setValue(e.target.value)} required />
          ) : (
            <Field label={t('login.email')} name="email" type="email" value={value} onChange={(e) => setValue(e.target.value)} required />
          )}
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" className="primary">
            {token ? t('reset.submit') : t('reset.request')}
          </button>
        </>
      )}
    </Box>
  )
}

/** ``/signup``: a new business and its owner, then the onboarding. */
export function SignupPage() {
  const { t } = useI18n()
  const { adopt } = useAuth()
  const navigate = useNavigate()
  const [form, setForm] = useState({ business_name: '', vertical: 'ecommerce', owner_name: '', email: '', password: '' })
  const [error, setError] = useState<string | null>(null)
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [key]: e.target.value })
  async function submit(event: FormEvent) {
    event.preventDefault()
    setError(null)
    const { data, error: failure } = await api.POST('/api/auth/signup', { body: form as never })
    if (failure) return setError(errorText(failure) || t('common.error'))
    adopt(data.access_token)
    navigate('/onboarding', { replace: true })
  }
  return (
    <Box title={t('signup.title')} onSubmit={submit}>
      <Field label={t('signup.business')} name="business_name" value={form.business_name} onChange={set('business_name')} required />
      <label>
        {t('signup.vertical')}
        <select name="vertical" value={form.vertical} onChange={set('vertical')}>
          <option value="ecommerce">{t('signup.ecommerce')}</option>
          <option value="clinic">{t('signup.clinic')}</option>
        </select>
      </label>
      <Field label={t('team.name')} name="owner_name" value={form.owner_name} onChange={set('owner_name')} required />
      <Field label={t('login.email')} name="email" type="email" value={form.email} onChange={set('email')} required />
      <Field label={t('login.password')} name="password" type="password" autoComplete="new-password" minLength={8} value={form.password} onChange={set('password')} required />
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary">
        {t('signup.submit')}
      </button>
      <Link to="/login" className="small">
        {t('signup.haveAccount')}
      </Link>
    </Box>
  )
}
