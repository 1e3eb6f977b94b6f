import type { ReactElement } from 'react'
import { tokenStore } from '../api/client'
import { AuthProvider } from '../auth'
import { renderWith, stubFetch, type Call } from '../test/render'

export const ME = {
  user_id: 'u-1',
  email: 'owner@demo-shop.test',
  name: 'Owner',
  role: 'owner',
  tenant_id: 't-1',
  tenant_name: 'Demo Mağaza',
  tenant_slug: 'demo-shop',
  tenant_vertical: 'ecommerce',
  permissions: [] as string[],
}

/** Render ``ui`` logged in as ``role``; ``answer`` answers every other API call. */
export function renderAs(
  ui: ReactElement,
  answer: (call: Call, index: number) => [number, unknown],
  role = 'owner',
) {
  tokenStore.set('token')
  const calls = stubFetch((call, index) =>
    call.path === '/api/auth/me' ? [200, { ...ME, role }] : answer(call, index),
  )
  renderWith(<AuthProvider>{ui}</AuthProvider>)
  return calls
}
