import { useState, type FormEvent } from 'react'
import { Link, Navigate, useLocation, useNavigate } from 'react-router'
import { LangSwitch } from './App'
import { useAuth } from './auth'
import { useI18n } from './i18n'

export function LoginPage() {
  const { t } = useI18n()
  const { token, login } = useAuth()
  const navigate = useNavigate()
  const location = useLocation()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [failed, setFailed] = useState(false)
  const [busy, setBusy] = useState(false)
  const target = (location.state as { from?: string } | null)?.from ?? '/inbox'
  if (token) return <Navigate to={target} replace />

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    const ok = await login(email, password)
    setBusy(false)
    setFailed(!ok)
    if (ok) navigate(target, { replace: true })
  }

  return (
    <div className="login-page">
      <form className="login-box" onSubmit={submit}>
        <div className="login-head">
          <h1>{t('app.name')}</h1>
          <LangSwitch />
        </div>
        <h2>{t('login.title')}</h2>
        <label>
          {t('login.email')}
          <input
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoFocus
          />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {failed && (
          <p className="error" role="alert">
            {t('login.failed')}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('login.submit')}
        </button>
        <div className="login-links small">
          <Link to="/signup">{t('login.signup')}</Link>
          <Link to="/reset-password">{t('login.forgot')}</Link>
        </div>
      </form>
    </div>
  )
}
