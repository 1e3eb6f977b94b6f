import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { vi } from 'vitest'
import { I18nProvider, type Lang } from '../i18n'

export function renderWith(ui: ReactElement, lang: Lang = 'tr') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <QueryClientProvider client={client}>
      <I18nProvider lang={lang}>{ui}</I18nProvider>
    </QueryClientProvider>,
  )
}

export type Call = { method: string; path: string; query?: string; body: unknown }

/** Stub ``fetch``: each call is recorded; ``answer`` returns [status, body] per call. */
export function stubFetch(answer: (call: Call, index: number) => [number, unknown]) {
  const calls: Call[] = []
  const fetch = vi.fn(async (request: Request) => {
    const text = await request.text()
    const url = new URL(request.url)
    const call = {
      method: request.method,
      path: url.pathname,
      ...(url.search ? { query: url.search } : {}),
      body: text ? JSON.parse(text) : undefined,
    }
    calls.push(call)
    const [status, body] = answer(call, calls.length - 1)
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    })
  })
  vi.stubGlobal('fetch', fetch)
  return calls
}
