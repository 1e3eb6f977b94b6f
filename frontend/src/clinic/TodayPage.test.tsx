import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { tokenStore } from '../api/client'
import { AuthProvider } from '../auth'
import { ME } from '../outbound/testing'
import { renderWith, stubFetch } from '../test/render'
import { TodayPage } from './TodayPage'

const APPOINTMENT = {
  id: 'a-1',
  doctor_id: 'd-1',
  doctor_name: 'Dt. Burak Aydın',
  service_key: 'cleaning',
  service_name: 'Diş taşı temizliği',
  starts_at: '2026-12-03T07:00:00Z',
  ends_at: '2026-12-03T07:30:00Z',
  status: 'booked',
  source: 'seed',
  urgent: false,
  note: '',
  patient: { customer_id: 'c-1', name: 'Zeynep Kaya', phone: '+90 532 *** ** 01' },
  conversation_id: null,
  calendar_url: 'http://x/calendar/appointment/t.ics',
}
const STATS = {
  days: 30,
  appointments: 4,
  completed: 3,
  no_show: 1,
  cancelled: 0,
  no_show_rate: 0.25,
  upcoming: 2,
  price_questions: 4,
  converted: 1,
  conversion_rate: 0.25,
  waitlist_waiting: 0,
  follow_ups_sent: 2,
  follow_ups_answered: 1,
  compliance_rate: 0.5,
  referral_codes: { generated: 0, shared: 1, used: 1, expired: 0 },
  referred_patients: 1,
  waitlist_offers: 0,
  waitlist_accepted: 0,
}

describe('Bugün', () => {
  it('lists the day in the clinic zone and marks an appointment completed', async () => {
    let status = 'booked'
    tokenStore.set('token')
    const me = { ...ME, role: 'agent', tenant_vertical: 'clinic', permissions: ['clinic.view', 'clinic.book'] }
    const calls = stubFetch((call) => {
        if (call.path === '/api/auth/me') return [200, me]
        if (call.path === '/api/clinic/appointments') return [200, [{ ...APPOINTMENT, status }]]
        if (call.path === '/api/clinic/calendar') return [200, { timezone: 'Europe/Istanbul', start: '2026-12-03', days: [] }]
        if (call.path === '/api/clinic/stats') return [200, STATS]
        if (call.path.endsWith('/mark')) {
          status = (call.body as { status: string }).status
          return [200, { ...APPOINTMENT, status }]
        }
        return [404, { detail: 'no' }]
    })
    renderWith(
      <MemoryRouter initialEntries={['/clinic/today']}>
        <AuthProvider>
          <TodayPage />
        </AuthProvider>
      </MemoryRouter>,
    )
    expect(await screen.findByText('Zeynep Kaya')).toBeInTheDocument()
    expect(screen.getByText('10:00–10:30')).toBeInTheDocument()
    expect(screen.getByTestId('clinic-value-no-show')).toHaveTextContent('25')
    await userEvent.click(screen.getByTestId('act-completed'))
    await waitFor(() => expect(screen.getByTestId('appt-status')).toHaveTextContent('Geldi'))
    expect(calls.find((c) => c.path.endsWith('/mark'))).toMatchObject({
      method: 'POST',
      path: '/api/clinic/appointments/a-1/mark',
      body: { status: 'completed' },
    })
  })
})
