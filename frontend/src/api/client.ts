import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']
export type ConversationSummary = Schemas['ConversationSummary']
export type MessagePublic = Schemas['MessagePublic']
export type SuggestionPublic = Schemas['SuggestionPublic']
export type ActionPublic = Schemas['ActionPublic']
export type MetricsSummary = Schemas['MetricsSummary']
export type DayFigures = Schemas['DayFigures']
export type MePublic = Schemas['MePublic']

const TOKEN_KEY = 'invekto.token'

export const tokenStore = {
  get: (): string | null => window.localStorage.getItem(TOKEN_KEY),
  set: (token: string) => window.localStorage.setItem(TOKEN_KEY, token),
  clear: () => window.localStorage.removeItem(TOKEN_KEY),
}

let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(handler: () => void) {
  onUnauthorized = handler
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get()
    if (token) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith('/api/auth/login')) onUnauthorized()
    return response
  },
}

/** The typed API client (paths and shapes generated from the API's OpenAPI schema). */
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  fetch: (request) => globalThis.fetch(request),
})
api.use(auth)

/** The `detail` of an error answer, whatever its shape (string, {code, detail}, validation list). */
export function errorText(error: unknown): string {
  if (!error) return ''
  if (typeof error === 'string') return error
  if (typeof error === 'object') {
    const detail = (error as { detail?: unknown }).detail
    if (typeof detail === 'string') return detail
    if (detail && typeof detail === 'object' && 'detail' in detail)
      return String((detail as { detail: unknown }).detail)
    if (Array.isArray(detail)) return detail.map((d) => (d as { msg?: string }).msg ?? '').join('; ')
  }
  return String(error)
}

/** The `code` of a 409 answer: `newer_messages`, `confirm_pii`, `already_decided`, or null. */
export function conflictCode(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null
  const body = error as { code?: unknown; detail?: unknown; entities?: unknown }
  if (typeof body.code === 'string') return body.code
  if (body.detail && typeof body.detail === 'object' && 'code' in body.detail)
    return String((body.detail as { code: unknown }).code)
  if (Array.isArray(body.entities)) return 'confirm_pii'
  return null
}
