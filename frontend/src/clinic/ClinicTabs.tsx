import { NavLink } from 'react-router'
import { useI18n } from '../i18n'

/** The clinic pages' own tabs (the top bar has one "Klinik" item). */
export function ClinicTabs() {
  const { t } = useI18n()
  return (
    <nav className="clinic-tabs" aria-label={t('nav.clinic')}>
      <NavLink to="/clinic/calendar">{t('nav.clinicCalendar')}</NavLink>
      <NavLink to="/clinic/today">{t('nav.clinicToday')}</NavLink>
      <NavLink to="/clinic/waitlist">{t('nav.clinicWaitlist')}</NavLink>
    </nav>
  )
}
