import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAs } from '../outbound/testing'
import { TeamPage } from './TeamPage'

const LOCKED_UNTIL = '2026-12-01T17:15:00Z'

function team(locked: boolean) {
  return [
    {
      id: 'u-1',
      email: 'owner@demo-shop.test',
      name: 'Owner',
      role: 'owner',
      active: true,
      created_at: '2026-11-01T09:00:00Z',
      locked_until: null,
    },
    {
      id: 'u-2',
      email: 'ajan@demo-shop.test',
      name: 'Ajan',
      role: 'agent',
      active: true,
      created_at: '2026-11-02T09:00:00Z',
      locked_until: locked ? LOCKED_UNTIL : null,
    },
  ]
}

function answers(unlocked: { done: boolean }) {
  return (call: { method: string; path: string }): [number, unknown] => {
    if (call.path === '/api/team') return [200, team(!unlocked.done)]
    if (call.path === '/api/team/roles') return [200, [{ role: 'owner', permissions: [] }]]
    if (call.path === '/api/team/invites') return [200, []]
    if (call.path === '/api/team/users/u-2/unlock') {
      unlocked.done = true
      return [200, team(false)[1]]
    }
    return [404, { detail: 'not found' }]
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('TeamPage', () => {
  it('shows a locked user and an owner unlocks them', async () => {
    const unlocked = { done: false }
    const calls = renderAs(<TeamPage />, answers(unlocked), 'owner')

    const lock = await screen.findByTestId('locked-ajan@demo-shop.test')
    expect(lock).toHaveTextContent('Giriş kilitli')
    expect(screen.queryByTestId('locked-owner@demo-shop.test')).toBeNull()

    await userEvent.click(within(lock).getByRole('button', { name: 'Kilidi aç' }))

    await waitFor(() =>
      expect(calls.some((c) => c.method === 'POST' && c.path === '/api/team/users/u-2/unlock')).toBe(
        true,
      ),
    )
    await waitFor(() => expect(screen.queryByTestId('locked-ajan@demo-shop.test')).toBeNull())
  })

  it('shows the lock without the button to who cannot manage the team', async () => {
    renderAs(<TeamPage />, answers({ done: false }), 'agent')

    const lock = await screen.findByTestId('locked-ajan@demo-shop.test')
    expect(lock).toHaveTextContent('Giriş kilitli')
    expect(within(lock).queryByRole('button')).toBeNull()
  })
})
