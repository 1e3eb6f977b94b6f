import { useState } from 'react'
import { useI18n } from '../i18n'
import { EmptyRow } from '../outbound/EmptyRow'
import { AppointmentActions, AppointmentDetail, StatusBadge } from './Actions'
import { useAppointments, useCalendar } from './api'
import { addDays, clock } from './logic'
import { ClinicTabs } from './ClinicTabs'
import { ClinicStatsCard } from './StatsCard'

/** Bugün: the day's appointments across doctors, in time order, with their actions. */
export function TodayPage() {
  const { t } = useI18n()
  const [day, setDay] = useState<string | null>(null)
  const [openId, setOpenId] = useState<string | null>(null)
  const appointments = useAppointments(day)
  // The clinic's zone and today (the API's default day), from a one-day calendar.
  const clinic = useCalendar(null, null, 1)
  const zone = clinic.data?.timezone ?? 'Europe/Istanbul'
  const shown = day ?? clinic.data?.start ?? ''
  const rows = appointments.data ?? []
  const open = rows.find((a) => a.id === openId) ?? null

  return (
    <div className="page wide clinic-page">
      <ClinicTabs />
      <div className="page-head">
        <h1>{t('nav.clinicToday')}</h1>
        <span className="muted">{t('clinic.todayIntro')}</span>
      </div>
      <ClinicStatsCard />
      <div className="cal-toolbar">
        <button type="button" onClick={() => shown && setDay(addDays(shown, -1))} aria-label="-1">
          ←
        </button>
        <input type="date" name="day" value={shown} onChange={(e) => setDay(e.target.value || null)} />
        <button type="button" onClick={() => shown && setDay(addDays(shown, 1))} aria-label="+1">
          →
        </button>
        <button type="button" onClick={() => setDay(null)}>
          {t('clinic.backToday')}
        </button>
      </div>
      {appointments.isError && <p className="error">{appointments.error.message}</p>}
      <div className="cal-body">
        <table className="grid" data-testid="today">
          <thead>
            <tr>
              <th>{t('clinic.time')}</th>
              <th>{t('clinic.patient')}</th>
              <th>{t('clinic.service')}</th>
              <th>{t('clinic.doctor')}</th>
              <th>{t('clinic.status')}</th>
              <th>{t('clinic.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && <EmptyRow colSpan={6} loading={appointments.isLoading} text={t('clinic.noneOnDay')} />}
            {rows.map((a) => (
              <tr
                key={a.id}
                className={`clickable${a.id === openId ? ' selected' : ''}`}
                data-testid={`row-${a.id}`}
                onClick={() => setOpenId(a.id === openId ? null : a.id)}
              >
                <td className="nowrap">
                  {clock(a.starts_at, zone)}–{clock(a.ends_at, zone)}
                </td>
                <td>
                  <strong>{a.patient.name}</strong> <span className="muted mono">{a.patient.phone}</span>
                  {a.urgent && <span className="badge appt-urgent">{t('clinic.urgent')}</span>}
                </td>
                <td>{a.service_name}</td>
                <td>{a.doctor_name}</td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>
                  <AppointmentActions appointment={a} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {open && <AppointmentDetail appointment={open} timeZone={zone} onClose={() => setOpenId(null)} />}
      </div>
    </div>
  )
}
