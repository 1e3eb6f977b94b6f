import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, errorText, type Schemas } from '../api/client'
import { useAuth } from '../auth'
import { unwrap } from '../outbound/api'
import type { Mark } from './logic'

export type AppointmentPublic = Schemas['AppointmentPublic']
export type CalendarPublic = Schemas['CalendarPublic']
export type ClinicStats = Schemas['ClinicStats']
export type DoctorPublic = Schemas['DoctorPublic']
export type WaitlistPublic = Schemas['WaitlistPublic']

/** Whether the logged-in user's tenant is a clinic (the clinic pages and nav show only then). */
export function useIsClinic(): boolean {
  return useAuth().me?.tenant_vertical === 'clinic'
}

/** Whether the user may book, move, cancel and mark appointments. */
export function useCanBook(): boolean {
  return !!useAuth().me?.permissions.includes('clinic.book')
}

export function useDoctors() {
  return useQuery({
    queryKey: ['clinic', 'doctors'],
    queryFn: async () => unwrap(await api.GET('/api/clinic/doctors')),
    staleTime: 60_000,
  })
}

/** ``days`` days from ``start`` (null: the clinic's today), one doctor or all. */
export function useCalendar(start: string | null, doctorId: string | null, days = 7) {
  return useQuery({
    queryKey: ['clinic', 'calendar', start, doctorId, days],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/clinic/calendar', {
          params: { query: { from: start ?? undefined, doctor_id: doctorId ?? undefined, days } },
        }),
      ),
  })
}

/** One day's appointments across doctors (null: the clinic's today). */
export function useAppointments(day: string | null) {
  return useQuery({
    queryKey: ['clinic', 'appointments', day],
    queryFn: async () =>
      unwrap(await api.GET('/api/clinic/appointments', { params: { query: { day: day ?? undefined } } })),
  })
}

export function useWaitlist() {
  return useQuery({
    queryKey: ['clinic', 'waitlist'],
    queryFn: async () => unwrap(await api.GET('/api/clinic/waitlist')),
  })
}

export function useStats(days = 30) {
  return useQuery({
    queryKey: ['clinic', 'stats', days],
    queryFn: async () => unwrap(await api.GET('/api/clinic/stats', { params: { query: { days } } })),
  })
}

/** Mark or cancel an appointment; every clinic view is read again afterwards. */
export function useAppointmentAction() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: Mark | 'cancel' }) => {
      const path = { params: { path: { appointment_id: id } } }
      if (action === 'cancel')
        return unwrap(await api.POST('/api/clinic/appointments/{appointment_id}/cancel', path))
      return unwrap(
        await api.POST('/api/clinic/appointments/{appointment_id}/mark', { ...path, body: { status: action } }),
      )
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['clinic'] }),
  })
}

/** Take a patient off the waitlist. */
export function useRemoveFromWaitlist() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (id: string) => {
      const { error } = await api.DELETE('/api/clinic/waitlist/{entry_id}', {
        params: { path: { entry_id: id } },
      })
      if (error !== undefined) throw new Error(errorText(error))
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['clinic'] }),
  })
}
