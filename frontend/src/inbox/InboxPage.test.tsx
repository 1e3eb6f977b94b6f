import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderWith, stubFetch } from '../test/render'
import { InboxPage } from './InboxPage'

function conversation(id: string, name: string) {
  return {
    id,
    status: 'open',
    customer: { id: `cust-${id}`, name, phone: '+90 532 *** ** 33' },
    last_message: { text: 'kargom nerede', direction: 'in', author: 'customer', created_at: '2026-12-01T10:00:00Z' },
    last_message_at: '2026-12-01T10:00:00Z',
    needs_human: false,
    awaiting_reply: true,
    handoff_reason: null,
    assigned_user_id: null,
    assignee_name: null,
    escalation: null,
    pending_suggestions: 0,
    unread: 2,
    window_open: true,
    window_closes_at: null,
  }
}

afterEach(() => vi.unstubAllGlobals())

describe('InboxPage', () => {
  it('pages with next_before ("load more") and filters through the API', async () => {
    const urls: string[] = []
    const fetch = vi.fn(async (request: Request) => {
      urls.push(request.url)
      const url = new URL(request.url)
      const before = url.searchParams.get('before')
      const body = before
        ? { conversations: [conversation('c2', 'Mehmet Demir')], next_before: null }
        : { conversations: [conversation('c1', 'Ayşe Yılmaz')], next_before: '2026-12-01T10:00:00Z~c1' }
      return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } })
    })
    vi.stubGlobal('fetch', fetch)
    renderWith(
      <MemoryRouter initialEntries={['/inbox']}>
        <Routes>
          <Route path="/inbox" element={<InboxPage />} />
        </Routes>
      </MemoryRouter>,
    )
    expect(await screen.findByText('Ayşe Yılmaz')).toBeInTheDocument()
    expect(screen.getByTestId('unread')).toHaveTextContent('2')
    await userEvent.click(screen.getByRole('button', { name: 'Daha fazla yükle' }))
    expect(await screen.findByText('Mehmet Demir')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Daha fazla yükle' })).not.toBeInTheDocument()
    expect(new URL(urls[1]).searchParams.get('before')).toBe('2026-12-01T10:00:00Z~c1')

    await userEvent.click(screen.getByRole('tab', { name: 'İnsan bekliyor' }))
    await waitFor(() => expect(urls.some((u) => new URL(u).searchParams.get('filter') === 'needs_human')).toBe(true))
  })

  it('previews a message without text by its kind', async () => {
    const located = { ...conversation('c3', 'Deniz'), last_message: { text: '', kind: 'location', direction: 'in', author: 'customer', created_at: '2026-12-01T10:00:00Z' } }
    const carted = { ...conversation('c4', 'Ece'), last_message: { text: '', kind: 'order', direction: 'in', author: 'customer', created_at: '2026-12-01T10:00:00Z' } }
    stubFetch(() => [200, { conversations: [located, carted], next_before: null }])
    renderWith(
      <MemoryRouter initialEntries={['/inbox']}>
        <Routes>
          <Route path="/inbox" element={<InboxPage />} />
        </Routes>
      </MemoryRouter>,
    )
    expect(await screen.findByText('📍 Konum')).toBeInTheDocument()
    expect(screen.getByText('🛒 Sepet')).toBeInTheDocument()
  })

  it('searches with q after the person stops typing', async () => {
    const calls = stubFetch(() => [200, { conversations: [], next_before: null }])
    renderWith(
      <MemoryRouter initialEntries={['/inbox']}>
        <Routes>
          <Route path="/inbox" element={<InboxPage />} />
        </Routes>
      </MemoryRouter>,
    )
    await userEvent.type(screen.getByRole('searchbox'), 'Ayşe')
    await waitFor(() => expect(calls.some((c) => c.query?.includes('q=Ay'))).toBe(true))
    expect(await screen.findByText('Konuşma yok')).toBeInTheDocument()
  })
})
