import { locale, orRaw, useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import { EmptyRow } from '../outbound/EmptyRow'
import { useCanBook, useRemoveFromWaitlist, useWaitlist } from './api'
import { ClinicTabs } from './ClinicTabs'
import { ClinicStatsCard } from './StatsCard'

const REMOVABLE = ['waiting', 'offered']

/** Bekleme listesi: patients waiting for an earlier slot, in the order offers go. */
export function WaitlistPage() {
  const { t, lang } = useI18n()
  const waitlist = useWaitlist()
  const remove = useRemoveFromWaitlist()
  const canBook = useCanBook()
  const rows = waitlist.data ?? []
  return (
    <div className="page wide clinic-page">
      <ClinicTabs />
      <div className="page-head">
        <h1>{t('nav.clinicWaitlist')}</h1>
        <span className="muted">{t('clinic.wl.intro')}</span>
      </div>
      <ClinicStatsCard />
      {waitlist.isError && <p className="error">{waitlist.error.message}</p>}
      {remove.isError && <p className="error">{remove.error.message}</p>}
      <table className="grid" data-testid="waitlist">
        <thead>
          <tr>
            <th>{t('clinic.patient')}</th>
            <th>{t('clinic.service')}</th>
            <th>{t('clinic.doctor')}</th>
            <th>{t('clinic.status')}</th>
            <th>{t('clinic.wl.notAfter')}</th>
            <th>{t('clinic.wl.since')}</th>
            <th>{t('clinic.wl.offered')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <EmptyRow colSpan={8} loading={waitlist.isLoading} text={t('clinic.wl.none')} />}
          {rows.map((entry) => (
            <tr key={entry.id} className={REMOVABLE.includes(entry.status) ? '' : 'inactive'}>
              <td>
                <strong>{entry.patient.name}</strong> <span className="muted mono">{entry.patient.phone}</span>
              </td>
              <td>{entry.service_name}</td>
              <td>{entry.doctor_name ?? t('clinic.wl.anyDoctor')}</td>
              <td>
                <span className={`badge wl-${entry.status}`}>{orRaw(t, `clinic.wl.status.${entry.status}`, entry.status)}</span>
              </td>
              <td>{entry.not_after ? new Date(`${entry.not_after}T12:00:00Z`).toLocaleDateString(locale(lang)) : '–'}</td>
              <td className="muted">{shortTime(entry.created_at, lang)}</td>
              <td className="muted">{shortTime(entry.offered_at, lang) || '–'}</td>
              <td>
                {canBook && REMOVABLE.includes(entry.status) && (
                  <button
                    type="button"
                    className="link danger-link"
                    disabled={remove.isPending}
                    onClick={() => remove.mutate(entry.id)}
                  >
                    {t('clinic.wl.remove')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
