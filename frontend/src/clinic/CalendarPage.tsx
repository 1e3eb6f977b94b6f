import { useState } from 'react'
import { useI18n } from '../i18n'
import { AppointmentDetail } from './Actions'
import { useCalendar, useDoctors, type AppointmentPublic } from './api'
import { addDays, clock, hhmm, statusLabel, weekLayout } from './logic'
import { ClinicTabs } from './ClinicTabs'
import { ClinicStatsCard } from './StatsCard'

const LEGEND = ['booked', 'confirmed', 'completed', 'no_show', 'cancelled']

/** Takvim: one doctor's week as a grid (working hours shaded, appointments as blocks coloured by
 * status); a block opens the appointment with its actions. */
export function CalendarPage() {
  const { t, lang } = useI18n()
  const doctors = useDoctors()
  const [chosen, setChosen] = useState<string | null>(null)
  const [start, setStart] = useState<string | null>(null)
  const [showCancelled, setShowCancelled] = useState(false)
  const [openId, setOpenId] = useState<string | null>(null)
  const active = (doctors.data ?? []).filter((d) => d.active)
  const doctorId = chosen ?? active[0]?.id ?? null
  const calendar = useCalendar(start, doctorId)
  const today = useCalendar(null, null, 1).data?.start
  const data = calendar.data
  const zone = data?.timezone ?? 'Europe/Istanbul'
  const days = (data?.days ?? []).map((day) => {
    const own = day.doctors.find((d) => d.doctor_id === doctorId)
    return { day: day.day, hours: own?.hours ?? [], appointments: own?.appointments ?? [] }
  })
  const layout = weekLayout(days, zone, { showCancelled })
  const all = days.flatMap((d) => d.appointments)
  const open = all.find((a) => a.id === openId) ?? null
  const doctor = active.find((d) => d.id === doctorId)
  const dayName = (iso: string) =>
    new Date(`${iso}T12:00:00Z`).toLocaleDateString(lang === 'tr' ? 'tr-TR' : 'en-GB', {
      timeZone: 'UTC',
      weekday: 'short',
      day: 'numeric',
      month: 'short',
    })

  return (
    <div className="page wide clinic-page">
      <ClinicTabs />
      <div className="page-head">
        <h1>{t('nav.clinicCalendar')}</h1>
        <span className="muted">{t('clinic.calendarIntro')}</span>
      </div>
      <ClinicStatsCard />
      <div className="cal-toolbar">
        <label>
          {t('clinic.doctor')}{' '}
          <select
            name="doctor"
            value={doctorId ?? ''}
            onChange={(event) => {
              setChosen(event.target.value)
              setOpenId(null)
            }}
          >
            {active.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => data && setStart(addDays(data.start, -7))}>
          {t('clinic.prevWeek')}
        </button>
        <button type="button" onClick={() => setStart(null)}>
          {t('clinic.backToday')}
        </button>
        <button type="button" onClick={() => data && setStart(addDays(data.start, 7))}>
          {t('clinic.nextWeek')}
        </button>
        <label className="nowrap">
          <input type="checkbox" checked={showCancelled} onChange={(e) => setShowCancelled(e.target.checked)} />{' '}
          {t('clinic.showCancelled')}
        </label>
        <span className="spacer" />
        {doctor && (
          <a className="hint" href={doctor.calendar_url} data-testid="doctor-feed">
            {t('clinic.feed')}
          </a>
        )}
      </div>
      <div className="legend cal-legend" aria-label={t('clinic.legend')}>
        {LEGEND.map((status) => (
          <span key={status}>
            <i className={`appt-${status}`} /> {statusLabel(t, status)}
          </span>
        ))}
      </div>
      {calendar.isError && <p className="error">{calendar.error.message}</p>}
      <div className="cal-body">
        <div className="week" data-testid="week" style={{ gridTemplateColumns: `48px repeat(${layout.columns.length || 7}, minmax(0, 1fr))` }}>
          <div className="week-corner" />
          {layout.columns.map((column) => (
            <div
              key={column.day}
              className={`week-day-head${column.day === today ? ' today' : ''}`}
              data-testid={`day-${column.day}`}
            >
              {dayName(column.day)}
            </div>
          ))}
          <div className="week-axis">
            {layout.ticks.map((minute) => (
              <div
                key={minute}
                className="week-tick"
                style={{ top: `${((minute - layout.start) / (layout.end - layout.start)) * 100}%` }}
              >
                {hhmm(minute)}
              </div>
            ))}
          </div>
          {layout.columns.map((column) => (
            <div key={column.day} className="week-col" data-testid={`col-${column.day}`}>
              {layout.ticks.map((minute) => (
                <div
                  key={minute}
                  className="week-line"
                  style={{ top: `${((minute - layout.start) / (layout.end - layout.start)) * 100}%` }}
                />
              ))}
              {column.working.map((box, index) => (
                <div key={index} className="week-working" style={{ top: `${box.top}%`, height: `${box.height}%` }} />
              ))}
              {column.working.length === 0 && <div className="week-closed">{t('clinic.closed')}</div>}
              {column.blocks.map((block) => (
                <Block
                  key={block.appointment.id}
                  appointment={block.appointment}
                  zone={zone}
                  selected={block.appointment.id === openId}
                  style={{
                    top: `${block.top}%`,
                    height: `${block.height}%`,
                    left: `${(block.lane / block.lanes) * 100}%`,
                    width: `${100 / block.lanes}%`,
                  }}
                  onOpen={() => setOpenId(block.appointment.id === openId ? null : block.appointment.id)}
                />
              ))}
            </div>
          ))}
        </div>
        {open && <AppointmentDetail appointment={open} timeZone={zone} onClose={() => setOpenId(null)} />}
      </div>
    </div>
  )
}

function Block({
  appointment,
  zone,
  selected,
  style,
  onOpen,
}: {
  appointment: AppointmentPublic
  zone: string
  selected: boolean
  style: React.CSSProperties
  onOpen: () => void
}) {
  const { t } = useI18n()
  return (
    <button
      type="button"
      className={`appt-block appt-${appointment.status}${selected ? ' selected' : ''}`}
      style={style}
      data-testid={`appt-${appointment.id}`}
      title={`${appointment.patient.name} · ${appointment.service_name} · ${statusLabel(t, appointment.status)}`}
      onClick={onOpen}
    >
      <span className="appt-time">{clock(appointment.starts_at, zone)}</span>{' '}
      <span className="appt-who">{appointment.patient.name}</span>
      <span className="appt-what">{appointment.service_name}</span>
    </button>
  )
}
