import { useState } from 'react'
import { useI18n } from '../i18n'
import { useAppointmentAction, useCanBook, type AppointmentPublic } from './api'
import { actionsFor, clock, statusLabel, type Action } from './logic'

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n()
  return (
    <span className={`badge appt-${status}`} data-testid="appt-status">
      {statusLabel(t, status)}
    </span>
  )
}

/** The buttons an appointment offers now (completed, no-show, confirm, cancel); cancelling asks
 * once more. Hidden for roles that may not book. */
export function AppointmentActions({ appointment }: { appointment: AppointmentPublic }) {
  const { t } = useI18n()
  const canBook = useCanBook()
  const act = useAppointmentAction()
  const [sure, setSure] = useState(false)
  if (!canBook) return null
  const run = (action: Action) => {
    if (action === 'cancel' && !sure) return setSure(true)
    setSure(false)
    act.mutate({ id: appointment.id, action })
  }
  return (
    <span className="appt-actions">
      {actionsFor(appointment.status).map((action) => (
        <button
          key={action}
          type="button"
          className={action === 'cancel' ? 'link danger-link' : action === 'completed' ? 'primary small' : 'small'}
          disabled={act.isPending}
          data-testid={`act-${action}`}
          onClick={(event) => {
            event.stopPropagation()
            run(action)
          }}
        >
          {action === 'cancel' && sure ? t('clinic.action.cancelSure') : t(`clinic.action.${action}`)}
        </button>
      ))}
      {act.isError && <span className="error">{act.error.message}</span>}
    </span>
  )
}

/** One appointment in full: patient, treatment, doctor, time, links and the actions. */
export function AppointmentDetail({
  appointment,
  timeZone,
  onClose,
}: {
  appointment: AppointmentPublic
  timeZone: string
  onClose: () => void
}) {
  const { t, lang } = useI18n()
  const day = new Date(appointment.starts_at).toLocaleDateString(lang === 'tr' ? 'tr-TR' : 'en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
  })
  return (
    <aside className="appt-detail" data-testid="appt-detail" aria-label={t('clinic.appointment')}>
      <div className="appt-detail-head">
        <strong>{appointment.patient.name || appointment.patient.phone}</strong>
        <StatusBadge status={appointment.status} />
        {appointment.urgent && <span className="badge appt-urgent">{t('clinic.urgent')}</span>}
        <span className="spacer" />
        <button type="button" className="link" onClick={onClose}>
          {t('clinic.close')}
        </button>
      </div>
      <dl className="appt-facts">
        <dt>{t('clinic.service')}</dt>
        <dd>{appointment.service_name}</dd>
        <dt>{t('clinic.doctor')}</dt>
        <dd>{appointment.doctor_name}</dd>
        <dt>{t('clinic.time')}</dt>
        <dd>
          {day}, {clock(appointment.starts_at, timeZone)}–{clock(appointment.ends_at, timeZone)}
        </dd>
        <dt>{t('clinic.patient')}</dt>
        <dd className="mono">{appointment.patient.phone}</dd>
        {appointment.note && (
          <>
            <dt>{t('clinic.note')}</dt>
            <dd>{appointment.note}</dd>
          </>
        )}
      </dl>
      <div className="appt-links">
        {appointment.conversation_id && <a href={`/inbox/${appointment.conversation_id}`}>{t('clinic.openConversation')}</a>}
        <a href={appointment.calendar_url}>{t('clinic.ics')}</a>
      </div>
      <AppointmentActions appointment={appointment} />
    </aside>
  )
}
