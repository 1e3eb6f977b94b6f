import { lazy, Suspense } from 'react'
import { Navigate, NavLink, Outlet, Route, Routes, useLocation } from 'react-router'
import { AcceptInvitePage, ResetPasswordPage, SignupPage } from './AccountPages'
import { useAuth } from './auth'
import { LANGS, useI18n } from './i18n'
import { InboxPage } from './inbox/InboxPage'
import { LoginPage } from './LoginPage'

// The dashboard brings the charts library: loaded when first opened.
const OnboardingPage = lazy(() =>
  import('./onboarding/OnboardingPage').then((m) => ({ default: m.OnboardingPage })),
)
const TeamPage = lazy(() => import('./team/TeamPage').then((m) => ({ default: m.TeamPage })))
const TemplatesPage = lazy(() =>
  import('./outbound/TemplatesPage').then((m) => ({ default: m.TemplatesPage })),
)
const RulesPage = lazy(() => import('./outbound/RulesPage').then((m) => ({ default: m.RulesPage })))
const CampaignsPage = lazy(() =>
  import('./outbound/CampaignsPage').then((m) => ({ default: m.CampaignsPage })),
)
const CalendarPage = lazy(() =>
  import('./clinic/CalendarPage').then((m) => ({ default: m.CalendarPage })),
)
const TodayPage = lazy(() => import('./clinic/TodayPage').then((m) => ({ default: m.TodayPage })))
const WaitlistPage = lazy(() =>
  import('./clinic/WaitlistPage').then((m) => ({ default: m.WaitlistPage })),
)
const PromptsPage = lazy(() => import('./prompts/PromptsPage').then((m) => ({ default: m.PromptsPage })))
const RevenuePage = lazy(() => import('./revenue/RevenuePage').then((m) => ({ default: m.RevenuePage })))
const DashboardPage = lazy(() =>
  import('./dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })),
)

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/signup" element={<SignupPage />} />
      <Route path="/invite" element={<AcceptInvitePage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route element={<RequireAuth />}>
        <Route element={<Shell />}>
          <Route path="/inbox" element={<InboxPage />} />
          <Route path="/inbox/:conversationId" element={<InboxPage />} />
          <Route path="/dashboard" element={<DashboardPage />} />
          <Route path="/team" element={<TeamPage />} />
          <Route path="/prompts" element={<PromptsPage />} />
          <Route path="/revenue" element={<RevenuePage />} />
          <Route path="/revenue/:tab" element={<RevenuePage />} />
          <Route path="/onboarding" element={<OnboardingPage />} />
          <Route path="/outbound/templates" element={<TemplatesPage />} />
          <Route path="/outbound/automations" element={<RulesPage />} />
          <Route path="/outbound/campaigns" element={<CampaignsPage />} />
          <Route path="/outbound" element={<Navigate to="/outbound/templates" replace />} />
          <Route path="/clinic/calendar" element={<CalendarPage />} />
          <Route path="/clinic/today" element={<TodayPage />} />
          <Route path="/clinic/waitlist" element={<WaitlistPage />} />
          <Route path="/clinic" element={<Navigate to="/clinic/calendar" replace />} />
        </Route>
      </Route>
      <Route path="*" element={<Navigate to="/inbox" replace />} />
    </Routes>
  )
}

function RequireAuth() {
  const { token } = useAuth()
  const location = useLocation()
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname }} />
  return <Outlet />
}

export function LangSwitch() {
  const { lang, setLang } = useI18n()
  return (
    <div className="lang-switch" role="group" aria-label="Language">
      {LANGS.map((code) => (
        <button
          key={code}
          type="button"
          className={code === lang ? 'active' : ''}
          aria-pressed={code === lang}
          onClick={() => setLang(code)}
        >
          {code.toUpperCase()}
        </button>
      ))}
    </div>
  )
}

function Shell() {
  const { t } = useI18n()
  const { me, logout } = useAuth()
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav>
          <NavLink to="/inbox">{t('nav.inbox')}</NavLink>
          <NavLink to="/dashboard">{t('nav.dashboard')}</NavLink>
          {me?.permissions.includes('revenue.view') && <NavLink to="/revenue">{t('nav.revenue')}</NavLink>}
          {me?.tenant_vertical === 'clinic' && <NavLink to="/clinic">{t('nav.clinic')}</NavLink>}
          <NavLink to="/outbound/templates">{t('nav.templates')}</NavLink>
          <NavLink to="/outbound/automations">{t('nav.automations')}</NavLink>
          <NavLink to="/outbound/campaigns">{t('nav.campaigns')}</NavLink>
          <NavLink to="/prompts">{t('nav.prompts')}</NavLink>
          <NavLink to="/team">{t('nav.team')}</NavLink>
          <NavLink to="/onboarding">{t('nav.onboarding')}</NavLink>
        </nav>
        <div className="topbar-right">
          {me && (
            <span className="who" data-testid="who">
              {me.tenant_name} · {me.name || me.email} <span className="role">{me.role}</span>
            </span>
          )}
          <LangSwitch />
          <button type="button" className="link" onClick={logout}>
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <main className="content">
        <Suspense fallback={<p className="muted pad">{t('common.loading')}</p>}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  )
}
