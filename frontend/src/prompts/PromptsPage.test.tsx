import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAs } from '../outbound/testing'
import type { Call } from '../test/render'
import { PromptsPage } from './PromptsPage'

const AT = '2026-12-01T09:00:00Z'

const REGISTRY = {
  languages: ['tr', 'en', 'ar'],
  tones: ['formal', 'short', 'warm'],
  agents: ['returns', 'support'],
  keys: [
    {
      key: 'greeting',
      kind: 'reply',
      description: 'Small talk: the answer to a greeting.',
      source: 'replies.yaml',
      agents: [],
      variables: [{ name: 'shop', type: 'name', description: 'The shop name', example: { tr: 'Demo Butik', en: 'Demo Butik' } }],
      required: [],
      languages: ['tr', 'en', 'ar'],
      map_keys: [],
      shipped: {
        formal: { tr: '{shop} müşteri hizmetlerine hoş geldiniz.', en: 'Welcome to {shop}.' },
        short: { tr: '{shop} müşteri hizmetleri.', en: '{shop} support.' },
        warm: { tr: '{shop} ailesine hoş geldiniz!', en: 'Welcome to the {shop} family!' },
      },
    },
    {
      key: 'order_shipped',
      kind: 'reply',
      description: 'Order status: the order is with the carrier.',
      source: 'replies.yaml',
      agents: ['support'],
      variables: [
        { name: 'order_number', type: 'code', description: 'The order number', example: { tr: '10293847561' } },
        { name: 'cargo', type: 'name', description: 'The carrier', example: { tr: 'Yurtiçi Kargo' } },
      ],
      required: ['order_number'],
      languages: ['tr', 'en', 'ar'],
      map_keys: [],
      shipped: {
        formal: { tr: '{order_number} numaralı siparişiniz {cargo} ile yola çıktı.' },
        short: { tr: '{order_number} kargoda ({cargo}).' },
        warm: { tr: 'Güzel haber: {order_number} yolda!' },
      },
    },
    {
      key: 'handoff',
      kind: 'reply',
      description: 'A person takes over.',
      source: 'replies.yaml',
      agents: ['returns', 'support'],
      variables: [],
      required: [],
      languages: ['tr', 'en', 'ar'],
      map_keys: [],
      shipped: { formal: { tr: 'Sizi bir temsilcimize aktarıyorum.' }, short: {}, warm: {} },
    },
  ],
}

function summary(number: number, status: string, overrides: Record<string, unknown> = {}) {
  return {
    number,
    status,
    note: `not ${number}`,
    base_number: 0,
    rollback_of: null,
    author: 'Owner',
    author_role: 'owner',
    created_at: AT,
    updated_at: AT,
    published_at: null,
    changes: 0,
    gate_passed: null,
    ...overrides,
  }
}

const DRAFT_CONTENT = {
  tone: { default: 'formal', agents: {} },
  texts: { tr: { order_shipped: 'Siparişiniz {order_number} yolda.' } },
}

function full(number: number, status: string, overrides: Record<string, unknown> = {}) {
  return { ...summary(number, status), content: DRAFT_CONTENT, diff: [], gate: null, ...overrides }
}

type Server = {
  versions: ReturnType<typeof summary>[]
  active: number
  version: (number: number, index: number) => [number, unknown]
  put?: (call: Call) => [number, unknown]
  publish?: (call: Call) => [number, unknown]
  problems?: (content: unknown) => unknown[]
  preview?: unknown[]
}

/** The prompts API as the page sees it; every call is answered from ``server``. */
function api(server: Server) {
  return (call: Call, index: number): [number, unknown] => {
    const { method, path } = call
    if (path === '/api/prompts/registry') return [200, REGISTRY]
    if (path === '/api/prompts/versions' && method === 'GET')
      return [200, { active: server.active, tone: { default: 'formal', agents: {} }, versions: server.versions }]
    if (path === '/api/prompts/versions' && method === 'POST') return [201, full(9, 'draft', { note: (call.body as { note: string }).note })]
    if (path === '/api/prompts/validate') {
      const content = (call.body as { content: unknown }).content
      return [200, { problems: server.problems?.(content) ?? [], diff: [] }]
    }
    if (path === '/api/prompts/sample') return [200, { text: 'örnek metin', problems: [], values: { shop: 'Demo Butik' } }]
    if (path === '/api/prompts/events') return [200, []]
    if (path === '/api/prompts/preview') return [200, server.preview ?? []]
    const match = /^\/api\/prompts\/versions\/(\d+)(\/\w+)?$/.exec(path)
    if (match) {
      const number = Number(match[1])
      if (match[2] === '/publish') return server.publish?.(call) ?? [202, full(number, 'gating')]
      if (match[2] === '/rollback') return [202, full(7, 'gating', { rollback_of: number })]
      if (method === 'PUT') return server.put?.(call) ?? [200, full(number, 'draft', { content: (call.body as { content: unknown }).content })]
      if (method === 'DELETE') return [204, null]
      return server.version(number, index)
    }
    return [404, { detail: 'not found' }]
  }
}

afterEach(() => vi.unstubAllGlobals())

async function openText(key: string) {
  await userEvent.click(await screen.findByTestId(`prompt-key-${key}`))
  return screen.getByTestId('prompt-text') as HTMLTextAreaElement
}

describe('PromptsPage', () => {
  it('opens the newest draft and lists the texts by agent, a dot on its own texts', async () => {
    renderAs(
      <PromptsPage />,
      api({ versions: [summary(2, 'draft'), summary(1, 'active')], active: 1, version: (n) => [200, full(n, n === 2 ? 'draft' : 'active')] }),
    )
    expect(await screen.findByTestId('prompt-status')).toHaveTextContent('Taslak')
    expect(screen.getByTestId('prompt-version-2')).toHaveTextContent('not 2')
    expect(screen.getByTestId('prompt-version-0')).toHaveTextContent('Hazır metinler')
    const list = screen.getByRole('navigation', { name: 'Metinler' })
    const headings = within(list)
      .getAllByRole('heading')
      .map((h) => h.textContent)
    expect(headings).toEqual(['Genel · 1', 'Destek asistanı · 2', 'İade asistanı · 1'])
    // A key of two agents is under both; the first one carries the test id.
    expect(list.querySelectorAll('[data-key="handoff"]')).toHaveLength(2)
    expect(within(screen.getByTestId('prompt-key-order_shipped')).getByTestId('prompt-own-dot')).toBeInTheDocument()
    expect(within(screen.getByTestId('prompt-key-greeting')).queryByTestId('prompt-own-dot')).toBeNull()

    await userEvent.type(screen.getByTestId('prompt-search'), 'yola çıktı')
    expect(screen.queryByTestId('prompt-key-greeting')).toBeNull()
    expect(screen.getByTestId('prompt-key-order_shipped')).toBeInTheDocument()
  })

  it('completes a variable typed after {, and Escape closes the list', async () => {
    renderAs(<PromptsPage />, api({ versions: [summary(2, 'draft')], active: 0, version: (n) => [200, full(n, 'draft')] }))
    const text = await openText('order_shipped')
    expect(text).toHaveValue('Siparişiniz {order_number} yolda.')
    await userEvent.click(text)
    await userEvent.type(text, ' Kargo: {{', { initialSelectionStart: text.value.length })
    const list = screen.getByTestId('prompt-autocomplete')
    expect(within(list).getAllByRole('option').map((o) => o.dataset.testid)).toEqual([
      'prompt-autocomplete-order_number',
      'prompt-autocomplete-cargo',
    ])
    expect(within(list).getByTestId('prompt-autocomplete-order_number')).toHaveTextContent('zorunlu')
    await userEvent.keyboard('ca')
    expect(within(screen.getByTestId('prompt-autocomplete')).getAllByRole('option')).toHaveLength(1)
    await userEvent.keyboard('{Enter}')
    expect(text).toHaveValue('Siparişiniz {order_number} yolda. Kargo: {cargo}')
    expect(screen.queryByTestId('prompt-autocomplete')).toBeNull()
    expect(text.selectionStart).toBe(text.value.length)

    await userEvent.keyboard(' {{')
    expect(screen.getByTestId('prompt-autocomplete')).toBeInTheDocument()
    await userEvent.keyboard('{ArrowDown}')
    expect(screen.getByTestId('prompt-autocomplete-cargo')).toHaveAttribute('aria-selected', 'true')
    await userEvent.keyboard('{Escape}')
    expect(screen.queryByTestId('prompt-autocomplete')).toBeNull()
  })

  it('inserts a variable by a click in the list or on a chip', async () => {
    renderAs(<PromptsPage />, api({ versions: [summary(2, 'draft')], active: 0, version: (n) => [200, full(n, 'draft')] }))
    const text = await openText('order_shipped')
    await userEvent.clear(text)
    await userEvent.type(text, 'No {{')
    fireEvent.mouseDown(screen.getByTestId('prompt-autocomplete-order_number'))
    expect(text).toHaveValue('No {order_number}')
    await userEvent.click(screen.getByTestId('prompt-chip-cargo'))
    expect(text).toHaveValue('No {order_number}{cargo}')
  })

  it('shows the problems /validate finds and keeps Save disabled; saves a clean text', async () => {
    const server: Server = {
      versions: [summary(2, 'draft')],
      active: 0,
      version: (n) => [200, full(n, 'draft')],
      problems: (content) =>
        JSON.stringify(content).includes('{bogus}')
          ? [{ key: 'order_shipped', language: 'tr', message: 'unknown variable {bogus}; this text knows cargo, order_number', field: 'bogus' }]
          : [],
    }
    const calls = renderAs(<PromptsPage />, api(server))
    const text = await openText('order_shipped')
    await userEvent.type(text, ' {{bogus}', { initialSelectionStart: text.value.length })
    expect(await screen.findByTestId('prompt-problems')).toHaveTextContent('Bilinmeyen değişken {bogus}')
    expect(screen.getByTestId('prompt-save')).toBeDisabled()

    await userEvent.type(text, '{Backspace}'.repeat(8) + ' Teşekkürler.')
    await waitFor(() => expect(screen.queryByTestId('prompt-problems')).toBeNull())
    await waitFor(() => expect(screen.getByTestId('prompt-save')).toBeEnabled())
    await userEvent.click(screen.getByTestId('prompt-save'))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    expect(calls.find((c) => c.method === 'PUT')).toMatchObject({
      path: '/api/prompts/versions/2',
      body: {
        note: 'not 2',
        content: {
          tone: { default: 'formal', agents: {} },
          texts: { tr: { order_shipped: 'Siparişiniz {order_number} yolda. Teşekkürler.' } },
        },
      },
    })
    expect(await screen.findByText('v2 kaydedildi.')).toBeInTheDocument()
    expect(screen.getByTestId('prompt-save')).toBeDisabled() // nothing left to save
  })

  it("writes the shipped text in, resets to it, and shows a save's 422 problems", async () => {
    const calls = renderAs(
      <PromptsPage />,
      api({
        versions: [summary(2, 'draft')],
        active: 0,
        version: (n) => [200, full(n, 'draft')],
        put: () => [
          422,
          {
            detail: {
              message: 'the version has texts that cannot be used',
              problems: [{ key: 'greeting', language: 'tr', message: 'the text cannot be empty', field: null }],
            },
          },
        ],
      }),
    )
    const text = await openText('greeting')
    expect(text).toHaveValue('')
    expect(text).toHaveAttribute('placeholder', '{shop} müşteri hizmetlerine hoş geldiniz.')
    await userEvent.click(screen.getByTestId('prompt-write-own'))
    expect(text).toHaveValue('{shop} müşteri hizmetlerine hoş geldiniz.')
    await userEvent.type(text, ' İyi günler.')
    await waitFor(() => expect(screen.getByTestId('prompt-save')).toBeEnabled())
    await userEvent.click(screen.getByTestId('prompt-save'))
    expect(await screen.findByTestId('prompt-problems')).toHaveTextContent('Metin boş olamaz.')
    expect(screen.getByTestId('prompt-error')).toHaveTextContent('the version has texts that cannot be used')
    const put = calls.find((c) => c.method === 'PUT')!
    expect((put.body as { content: { texts: Record<string, Record<string, string>> } }).content.texts.tr.greeting).toBe(
      '{shop} müşteri hizmetlerine hoş geldiniz. İyi günler.',
    )

    await userEvent.click(screen.getByTestId('prompt-reset'))
    expect(text).toHaveValue('')
    expect(screen.queryByTestId('prompt-unsaved')).toBeNull()
  })

  it('sets the default tone in the draft', async () => {
    const calls = renderAs(<PromptsPage />, api({ versions: [summary(2, 'draft')], active: 0, version: (n) => [200, full(n, 'draft')] }))
    await userEvent.click(await screen.findByTestId('prompt-tab-tone'))
    await userEvent.selectOptions(screen.getByTestId('prompt-tone-default'), 'warm')
    expect(screen.getByTestId('prompt-tone-sample-greeting')).toHaveTextContent('Demo Butik ailesine hoş geldiniz!')
    await userEvent.selectOptions(screen.getByTestId('prompt-tone-support'), 'short')
    await waitFor(() => expect(screen.getByTestId('prompt-save')).toBeEnabled())
    await userEvent.click(screen.getByTestId('prompt-save'))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    expect((calls.find((c) => c.method === 'PUT')!.body as { content: { tone: unknown } }).content.tone).toEqual({
      default: 'warm',
      agents: { support: 'short' },
    })
  })

  it('publishes, shows the gate running while it polls, then the version live', async () => {
    let polls = 0
    const calls = renderAs(
      <PromptsPage pollMs={30} />,
      api({
        versions: [summary(2, 'draft')],
        active: 0,
        version: (n) => {
          const published = calls.some((c) => c.path.endsWith('/publish'))
          if (!published) return [200, full(n, 'draft')]
          polls += 1
          return polls < 3
            ? [200, full(n, 'gating', { gate: { started_at: AT } })]
            : [200, full(n, 'active', { gate: { passed: true, cases: 40, cases_passed: 38, seconds: 61.2 } })]
        },
      }),
    )
    await waitFor(() => expect(screen.getByTestId('prompt-publish')).toBeEnabled())
    await userEvent.click(screen.getByTestId('prompt-publish'))
    expect(screen.getByRole('dialog')).toHaveTextContent('v2 yayına alınsın mı?')
    await userEvent.click(screen.getByTestId('prompt-publish-confirm'))
    expect(await screen.findByTestId('prompt-gate-status')).toHaveTextContent('Kontrol çalışıyor')
    expect(screen.getByTestId('prompt-gate-status')).toHaveTextContent('gating')
    await waitFor(() => expect(screen.getByTestId('prompt-gate-status')).toHaveTextContent('v2 yayında'), { timeout: 3000 })
    expect(screen.getByTestId('prompt-gate-status')).toHaveTextContent('38/40 vaka geçti')
    expect(polls).toBeGreaterThanOrEqual(3)
    expect(calls.filter((c) => c.path === '/api/prompts/versions/2/publish')).toHaveLength(1)
    expect(screen.queryByTestId('prompt-publish')).toBeNull()
  })

  it("shows a refusal's reasons and the failing cases", async () => {
    const gate = {
      passed: false,
      reasons: ['1 case(s) that pass with the shipped texts fail with this version'],
      cases: 40,
      cases_passed: 39,
      failures: [
        {
          id: 'order-status-017',
          tenant: 'demo-shop',
          language: 'tr',
          turns: [
            {
              turn: 2,
              customer: 'kargom nerede',
              reply: 'Siparişiniz yolda.',
              checks: [{ name: 'reply_contains', expected: ['10293847561'], actual: 'Siparişiniz yolda.' }],
            },
          ],
        },
      ],
    }
    renderAs(
      <PromptsPage />,
      api({ versions: [summary(2, 'refused', { gate_passed: false })], active: 0, version: (n) => [200, full(n, 'refused', { gate })] }),
    )
    expect(await screen.findByTestId('prompt-gate-status')).toHaveTextContent('v2 yayına alınmadı')
    expect(screen.getByText('Hazır metinlerle geçen 1 vaka bu sürümle geçemiyor')).toBeInTheDocument()
    const failures = screen.getByTestId('prompt-gate-failures')
    expect(failures).toHaveTextContent('order-status-017')
    expect(failures).toHaveTextContent('2. tur')
    expect(failures).toHaveTextContent('kargom nerede')
    expect(failures).toHaveTextContent('reply_contains')
    expect(failures).toHaveTextContent('["10293847561"]')
    // A refused version can be fixed and published again.
    expect(screen.getByTestId('prompt-text')).not.toHaveAttribute('readonly')
    expect(screen.getByTestId('prompt-publish')).toBeInTheDocument()
  })

  it('shows why a gate could not run', async () => {
    renderAs(
      <PromptsPage />,
      api({ versions: [summary(2, 'draft')], active: 0, version: (n) => [200, full(n, 'draft', { gate: { error: 'the eval run took longer than 900 s' } })] }),
    )
    expect(await screen.findByTestId('prompt-gate-status')).toHaveTextContent('Kontrol çalışamadı')
    expect(screen.getByTestId('prompt-gate-error')).toHaveTextContent('the eval run took longer than 900 s')
  })

  it("shows a publish refusal's reason", async () => {
    renderAs(
      <PromptsPage />,
      api({
        versions: [summary(2, 'draft')],
        active: 0,
        version: (n) => [200, full(n, 'draft')],
        publish: () => [409, { detail: 'version 3 is being gated: wait for its result' }],
      }),
    )
    await waitFor(() => expect(screen.getByTestId('prompt-publish')).toBeEnabled())
    await userEvent.click(screen.getByTestId('prompt-publish'))
    await userEvent.click(screen.getByTestId('prompt-publish-confirm'))
    expect(await screen.findByTestId('prompt-error')).toHaveTextContent('version 3 is being gated')
  })

  it('creates a draft with a note and opens it', async () => {
    const calls = renderAs(<PromptsPage />, api({ versions: [], active: 0, version: (n) => [200, full(n, 'draft')] }))
    expect(await screen.findByTestId('prompt-active')).toHaveTextContent('Yayında: v0 (hazır metinler)')
    await userEvent.click(screen.getByTestId('prompt-new-draft'))
    await userEvent.type(screen.getByTestId('prompt-note'), 'Daha samimi kargo yanıtları')
    await userEvent.click(screen.getByTestId('prompt-create'))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/prompts/versions')).toBe(true))
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/prompts/versions')!.body).toEqual({
      note: 'Daha samimi kargo yanıtları',
    })
    expect(await screen.findByText('v9 taslağı oluşturuldu.')).toBeInTheDocument()
    expect(screen.getByTestId('prompt-note-edit')).toHaveValue('Daha samimi kargo yanıtları')
  })

  it('rolls back to an archived version, read-only until then', async () => {
    const calls = renderAs(
      <PromptsPage pollMs={60_000} />,
      api({
        versions: [summary(3, 'active'), summary(2, 'archived', { gate_passed: true })],
        active: 3,
        version: (n) => [200, full(n, n === 3 ? 'active' : n === 2 ? 'archived' : 'gating')],
      }),
    )
    expect(await screen.findByTestId('prompt-rollback')).toBeDisabled() // v3 is live already
    await userEvent.click(screen.getByTestId('prompt-version-2'))
    await waitFor(() => expect(screen.getByTestId('prompt-status')).toHaveTextContent('Arşivde'))
    expect(screen.getByTestId('prompt-text')).toHaveAttribute('readonly')
    expect(screen.queryByTestId('prompt-save')).toBeNull()
    await userEvent.click(screen.getByTestId('prompt-rollback'))
    await userEvent.click(screen.getByTestId('prompt-rollback-confirm'))
    await waitFor(() => expect(calls.some((c) => c.path === '/api/prompts/versions/2/rollback')).toBe(true))
    expect(await screen.findByTestId('prompt-gate-status')).toHaveTextContent('v7')
  })

  it('hides publishing and rolling back from an agent', async () => {
    renderAs(
      <PromptsPage />,
      api({
        versions: [summary(3, 'draft'), summary(2, 'active')],
        active: 2,
        version: (n) => [200, full(n, n === 3 ? 'draft' : 'active', { author: 'Başka Biri' })],
      }),
      'agent',
    )
    expect(await screen.findByTestId('prompt-status')).toHaveTextContent('Taslak')
    expect(screen.queryByTestId('prompt-publish')).toBeNull()
    // Another user's draft: an agent reads it.
    expect(screen.queryByTestId('prompt-save')).toBeNull()
    await userEvent.click(screen.getByTestId('prompt-version-2'))
    await waitFor(() => expect(screen.getByTestId('prompt-status')).toHaveTextContent('Yayında'))
    expect(screen.queryByTestId('prompt-rollback')).toBeNull()
    expect(screen.getByTestId('prompt-new-draft')).toBeEnabled()
  })

  it('asks before leaving a version with unsaved edits', async () => {
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    renderAs(
      <PromptsPage />,
      api({ versions: [summary(2, 'draft'), summary(1, 'active')], active: 1, version: (n) => [200, full(n, n === 2 ? 'draft' : 'active')] }),
    )
    const text = await openText('order_shipped')
    await userEvent.type(text, '!')
    expect(screen.getByTestId('prompt-unsaved')).toBeInTheDocument()
    // Another text of the same draft keeps the edit: no question.
    await userEvent.click(screen.getByTestId('prompt-key-greeting'))
    expect(confirm).not.toHaveBeenCalled()
    await userEvent.click(screen.getByTestId('prompt-version-1'))
    expect(confirm).toHaveBeenCalledTimes(1)
    expect(screen.getByTestId('prompt-status')).toHaveTextContent('Taslak')
    await userEvent.click(screen.getByTestId('prompt-key-order_shipped'))
    expect(screen.getByTestId('prompt-text')).toHaveValue('Siparişiniz {order_number} yolda.!')
  })

  it("previews the draft on the business's replies, changed rows marked", async () => {
    renderAs(
      <PromptsPage />,
      api({
        versions: [summary(2, 'draft')],
        active: 0,
        version: (n) => [200, full(n, 'draft')],
        preview: [
          {
            message_id: 'm-1',
            conversation_id: 'c-1',
            at: AT,
            language: 'tr',
            version: 0,
            customer: 'kargom nerede',
            sent: '123 numaralı siparişiniz Aras ile yola çıktı.',
            draft: 'Siparişiniz 123 yolda.',
            changed: true,
            keys: ['order_shipped'],
          },
          {
            message_id: 'm-2',
            conversation_id: 'c-2',
            at: AT,
            language: 'tr',
            version: 0,
            customer: 'merhaba',
            sent: 'Hoş geldiniz.',
            draft: 'Hoş geldiniz.',
            changed: false,
            keys: [],
          },
        ],
      }),
    )
    await userEvent.click(await screen.findByTestId('prompt-tab-preview'))
    const rows = await screen.findAllByTestId('prompt-preview-row', {}, { timeout: 2000 })
    expect(rows).toHaveLength(2)
    expect(rows[0]).toHaveClass('changed')
    expect(Array.from(rows[0].querySelectorAll('ins')).map((e) => e.textContent).join('')).toContain('yolda.')
    expect(Array.from(rows[0].querySelectorAll('del')).map((e) => e.textContent).join('')).toContain('Aras')
    expect(rows[1]).not.toHaveClass('changed')
    expect(screen.getByText('2 yanıttan 1 tanesi değişiyor')).toBeInTheDocument()
  })

  it('says when the business has no conversations to preview yet', async () => {
    renderAs(<PromptsPage />, api({ versions: [summary(2, 'draft')], active: 0, version: (n) => [200, full(n, 'draft')] }))
    await userEvent.click(await screen.findByTestId('prompt-tab-preview'))
    expect(await screen.findByTestId('prompt-preview-empty', {}, { timeout: 2000 })).toHaveTextContent('Henüz konuşma yok')
  })
})
