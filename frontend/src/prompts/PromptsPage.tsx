import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react'
import { api } from '../api/client'
import { useAuth } from '../auth'
import { useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import {
  EDITABLE,
  failureText,
  KEYS,
  PUBLISHERS,
  useRegistry,
  useVersion,
  useVersions,
  validate,
  type Change,
  type VersionList,
  type VersionPublic,
  type VersionSummary,
} from './api'
import { Dialog } from './Dialog'
import { DiffView } from './DiffView'
import { GatePanel } from './GatePanel'
import { HistoryView } from './HistoryView'
import { KeyList } from './KeyList'
import {
  defaultVersion,
  EMPTY_CONTENT,
  groupByAgent,
  matches,
  overriddenKeys,
  preferredAgents,
  problemsFromError,
  sameContent,
  type Content,
  type Problem,
} from './logic'
import { ReplyPreview } from './ReplyPreview'
import { TextEditor } from './TextEditor'
import { TonePanel } from './TonePanel'

type Tab = 'texts' | 'tone' | 'diff' | 'preview' | 'history'
const TABS: Tab[] = ['texts', 'tone', 'diff', 'preview', 'history']

/** What the page edits: the open version's content and note, and what was last saved. */
type Working = { number: number; stamp: string; content: Content; note: string; savedContent: Content; savedNote: string }
type Check = { number: number; content: Content; problems: Problem[]; diff: Change[] }
type Asking = null | 'new' | 'publish' | 'rollback' | 'discard'

/** Version 0: the shipped texts in the formal tone (no row: built here). */
function shippedVersion(list: VersionList | undefined): VersionPublic {
  const at = new Date(0).toISOString()
  return {
    number: 0,
    status: list && list.active !== 0 ? 'archived' : 'active',
    note: '',
    base_number: null,
    rollback_of: null,
    author: null,
    author_role: 'system',
    created_at: at,
    updated_at: at,
    published_at: null,
    changes: 0,
    gate_passed: null,
    content: EMPTY_CONTENT as VersionPublic['content'],
    diff: [],
    gate: null,
  }
}

function working(version: VersionPublic): Working {
  const content = version.content as Content
  return {
    number: version.number,
    stamp: `${version.number}:${version.updated_at}:${version.status}`,
    content,
    note: version.note,
    savedContent: content,
    savedNote: version.note,
  }
}

const isDirty = (w: Working | null) => !!w && (!sameContent(w.content, w.savedContent) || w.note !== w.savedNote)

/** The prompt editor: a business's reply texts and tone, as versions. A draft is edited here (with
 * variable completion, live checks and a preview on real conversations) and published through the
 * eval gate; a live version can be rolled back to an earlier one. */
export function PromptsPage({ pollMs = 2000 }: { pollMs?: number }) {
  const { t, lang } = useI18n()
  const { me } = useAuth()
  const publisher = !!me && PUBLISHERS.includes(me.role)
  const queryClient = useQueryClient()
  const registry = useRegistry()
  const versions = useVersions(pollMs)
  const [chosen, setChosen] = useState<number | null>(null)
  const number = chosen ?? defaultVersion(versions.data)
  // Once opened, a version stays open when the list changes (another user's new draft).
  if (chosen === null && number !== null) setChosen(number)
  const version = useVersion(number, pollMs)
  const current = number === 0 ? shippedVersion(versions.data) : version.data
  const active = versions.data?.active ?? 0

  const [edit, setEdit] = useState<Working | null>(null)
  const [check, setCheck] = useState<Check | null>(null)
  const [saveProblems, setSaveProblems] = useState<Problem[]>([])
  const [tab, setTab] = useState<Tab>('texts')
  const [selectedKey, setSelectedKey] = useState<string | null>(null)
  const [language, setLanguage] = useState<string>(lang)
  const [query, setQuery] = useState('')
  const [onlyOwn, setOnlyOwn] = useState(false)
  const [asking, setAsking] = useState<Asking>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  // The open version's data arrived or changed (saved, gated): edit it, unless the page holds
  // unsaved edits of that same version.
  const stamp = current ? `${current.number}:${current.updated_at}:${current.status}` : null
  if (current && stamp !== edit?.stamp && (edit?.number !== current.number || !isDirty(edit))) setEdit(working(current))

  const dirty = isDirty(edit) && edit?.number === current?.number
  const mine = !!current && !!me && current.author !== null && current.author === (me.name || me.email)
  const editable =
    !!current && current.number > 0 && EDITABLE.includes(current.status) && (publisher || mine)
  const content = (edit && edit.number === current?.number ? edit.content : (current?.content as Content)) ?? EMPTY_CONTENT
  const needsCheck = !!current && (editable || current.number === 0)

  // Check the content as it is typed (debounced): problems and the diff against the live version.
  useEffect(() => {
    if (!needsCheck || !edit) return
    const controller = new AbortController()
    const snapshot = edit
    const timer = window.setTimeout(async () => {
      try {
        const result = await validate(snapshot.content, controller.signal)
        if (result && !controller.signal.aborted)
          setCheck({ number: snapshot.number, content: snapshot.content, problems: result.problems, diff: result.diff })
      } catch {
        // aborted: newer content is being checked
      }
    }, 300)
    return () => {
      window.clearTimeout(timer)
      controller.abort()
    }
  }, [edit, needsCheck])

  const checked = check && check.number === current?.number ? check : null
  const validating = needsCheck && !!edit && checked?.content !== edit.content
  const problems = useMemo(() => {
    const seen = new Set<string>()
    return [...(checked?.problems ?? []), ...saveProblems].filter((p) => {
      const id = `${p.key}|${p.language}|${p.field ?? ''}|${p.message}`
      if (seen.has(id)) return false
      seen.add(id)
      return true
    })
  }, [checked, saveProblems])
  const changes: Change[] = (checked?.diff ?? (current?.diff as Change[] | undefined)) ?? []

  // A gate that ended: the list, the live number and the trail changed.
  const lastStatus = useRef<string | null>(null)
  useEffect(() => {
    const status = current?.status ?? null
    if (lastStatus.current === 'gating' && status !== 'gating') {
      void queryClient.invalidateQueries({ queryKey: ['prompts', 'versions'] })
      void queryClient.invalidateQueries({ queryKey: ['prompts', 'version'] })
      void queryClient.invalidateQueries({ queryKey: KEYS.events })
    }
    lastStatus.current = status
  }, [current?.status, current?.number, queryClient])

  // Unsaved edits: the browser asks before the page is left, and so does the app's navigation.
  useEffect(() => {
    if (!dirty) return
    const onUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault()
      event.returnValue = ''
    }
    const onClick = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a[href]')
      if (link && !window.confirm(t('prompts.unsaved'))) {
        event.preventDefault()
        event.stopPropagation()
      }
    }
    window.addEventListener('beforeunload', onUnload)
    document.addEventListener('click', onClick, true)
    return () => {
      window.removeEventListener('beforeunload', onUnload)
      document.removeEventListener('click', onClick, true)
    }
  }, [dirty, t])

  const keys = useMemo(() => registry.data?.keys ?? [], [registry.data])
  const overridden = useMemo(() => overriddenKeys(content), [content])
  const groups = useMemo(() => {
    const shown = keys.filter((k) => (!onlyOwn || overridden.has(k.key)) && matches(k, query, content))
    return groupByAgent(shown, registry.data?.agents ?? [], preferredAgents(me?.tenant_vertical))
  }, [keys, onlyOwn, overridden, query, content, registry.data, me?.tenant_vertical])
  const firstKey = groups.some((g) => g.keys.some((k) => k.key === 'greeting')) ? 'greeting' : groups[0]?.keys[0]?.key
  const keyName = selectedKey ?? firstKey ?? null
  const spec = keys.find((k) => k.key === keyName) ?? null
  const keyLanguage = spec ? (spec.languages.includes(language) ? language : spec.languages[0]) : language

  function refresh() {
    void queryClient.invalidateQueries({ queryKey: KEYS.versions })
    void queryClient.invalidateQueries({ queryKey: KEYS.events })
  }

  function changeContent(next: Content) {
    if (!edit) return
    setSaveProblems([])
    setNotice(null)
    setEdit({ ...edit, content: next })
  }

  function leave(): boolean {
    return !dirty || window.confirm(t('prompts.unsaved'))
  }

  function open(next: number) {
    if (next === number) return
    if (!leave()) return
    setError(null)
    setNotice(null)
    setSaveProblems([])
    setChosen(next)
  }

  function opened(data: VersionPublic) {
    queryClient.setQueryData(KEYS.version(data.number), data)
    setEdit(working(data))
    setChosen(data.number)
    refresh()
  }

  async function save(): Promise<boolean> {
    if (!edit || !current) return false
    setBusy(true)
    setError(null)
    setNotice(null)
    const { data, error: failure } = await api.PUT('/api/prompts/versions/{number}', {
      params: { path: { number: current.number } },
      body: { content: edit.content as VersionPublic['content'], note: edit.note },
    })
    setBusy(false)
    if (failure || !data) {
      setSaveProblems(problemsFromError(failure) ?? [])
      setError(failureText(failure))
      return false
    }
    setSaveProblems([])
    opened(data)
    setNotice(t('prompts.saved', { n: data.number }))
    return true
  }

  async function create(note: string, from: 'active' | 'shipped') {
    setBusy(true)
    setError(null)
    const { data, error: failure } = await api.POST('/api/prompts/versions', {
      body: from === 'shipped' ? { note, content: { tone: { default: 'formal', agents: {} }, texts: {} } } : { note },
    })
    setBusy(false)
    setAsking(null)
    if (failure || !data) return setError(failureText(failure))
    opened(data)
    setTab('texts')
    setNotice(t('prompts.created', { n: data.number }))
  }

  async function publish() {
    if (!current) return
    setAsking(null)
    if (dirty && !(await save())) return
    setBusy(true)
    setError(null)
    setNotice(null)
    const { data, error: failure } = await api.POST('/api/prompts/versions/{number}/publish', {
      params: { path: { number: current.number } },
    })
    setBusy(false)
    if (failure || !data) return setError(failureText(failure))
    opened(data)
  }

  async function rollback() {
    if (!current) return
    setAsking(null)
    setBusy(true)
    setError(null)
    const { data, error: failure } = await api.POST('/api/prompts/versions/{number}/rollback', {
      params: { path: { number: current.number } },
    })
    setBusy(false)
    if (failure || !data) return setError(failureText(failure))
    opened(data)
  }

  async function discard() {
    if (!current) return
    setAsking(null)
    setBusy(true)
    const { error: failure } = await api.DELETE('/api/prompts/versions/{number}', {
      params: { path: { number: current.number } },
    })
    setBusy(false)
    if (failure) return setError(failureText(failure))
    queryClient.removeQueries({ queryKey: KEYS.version(current.number) })
    queryClient.setQueryData<VersionList>(KEYS.versions, (old) =>
      old ? { ...old, versions: old.versions.filter((v) => v.number !== current.number) } : old,
    )
    setEdit(null)
    setChosen(null)
    setNotice(t('prompts.discarded', { n: current.number }))
    refresh()
  }

  const list = versions.data?.versions ?? []
  const blocked = problems.length > 0 || validating
  const gating = list.some((v) => v.status === 'gating')
  const stale =
    !!current && editable && current.rollback_of === null && current.base_number !== null && current.base_number !== active

  return (
    <div className="page prompts-page">
      <div className="page-head">
        <h1>{t('nav.prompts')}</h1>
        <span className="muted" data-testid="prompt-active">
          {t('prompts.activeIs', { n: active })}
          {active === 0 && ` (${t('prompts.shipped')})`} · {t('prompts.tone')}:{' '}
          {t(`prompts.tone.${versions.data?.tone.default ?? 'formal'}`)}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="primary"
          data-testid="prompt-new-draft"
          onClick={() => leave() && setAsking('new')}
          disabled={!versions.data}
        >
          + {t('prompts.newDraft')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="prompt-error">
          {error}
        </p>
      )}
      {notice && <p className="notice">{notice}</p>}
      {(registry.isError || versions.isError) && (
        <p className="error">{(registry.error ?? versions.error)?.message || t('common.error')}</p>
      )}

      <div className="prompts-layout">
        <aside className="versions-panel" aria-label={t('prompts.versions')}>
          <h3>{t('prompts.versions')}</h3>
          <ul>
            {list.map((row) => (
              <VersionItem key={row.number} row={row} active={active} selected={row.number === number} onOpen={open} />
            ))}
            <li>
              <button
                type="button"
                className={`version-item${number === 0 ? ' selected' : ''}`}
                data-testid="prompt-version-0"
                onClick={() => open(0)}
              >
                <div className="row1">
                  <strong>v0</strong>
                  {active === 0 && <span className="badge pv-active">{t('prompts.status.active')}</span>}
                </div>
                <div className="muted small">{t('prompts.v0')}</div>
              </button>
            </li>
          </ul>
          {versions.isLoading && <p className="muted pad">{t('common.loading')}</p>}
        </aside>

        <section className="prompts-main">
          {!current || !registry.data ? (
            <p className="muted pad">{version.isError ? version.error.message : t('common.loading')}</p>
          ) : (
            <>
              <div className="version-head" data-testid="prompt-version-head">
                <div className="version-title">
                  <h2>v{current.number}</h2>
                  <span className={`badge pv-${current.status}`} data-testid="prompt-status">
                    {t(`prompts.status.${current.status}`)}
                  </span>
                  {current.number === active && current.status !== 'active' && (
                    <span className="tag live">{t('prompts.live')}</span>
                  )}
                  {current.rollback_of !== null && (
                    <span className="tag">{t('prompts.rollbackOf', { n: current.rollback_of })}</span>
                  )}
                  {editable ? (
                    <input
                      className="note-input"
                      aria-label={t('prompts.note')}
                      data-testid="prompt-note-edit"
                      placeholder={t('prompts.notePlaceholder')}
                      value={edit?.note ?? ''}
                      maxLength={500}
                      onChange={(e) => edit && setEdit({ ...edit, note: e.target.value })}
                    />
                  ) : (
                    current.note && <span className="version-note">{current.note}</span>
                  )}
                  <span className="spacer" />
                  {dirty && <span className="unsaved" data-testid="prompt-unsaved">{t('prompts.unsavedShort')}</span>}
                  {editable && (
                    <button
                      type="button"
                      className="primary"
                      data-testid="prompt-save"
                      disabled={!dirty || blocked || busy}
                      title={problems.length ? t('prompts.fixFirst') : undefined}
                      onClick={() => void save()}
                    >
                      {t('prompts.save')}
                    </button>
                  )}
                  {editable && publisher && (
                    <button
                      type="button"
                      className="publish"
                      data-testid="prompt-publish"
                      disabled={blocked || busy || gating || stale}
                      title={gating ? t('prompts.gatingOther') : undefined}
                      onClick={() => setAsking('publish')}
                    >
                      {t('prompts.publish')}
                    </button>
                  )}
                  {editable && (
                    <button type="button" className="link danger-link" onClick={() => setAsking('discard')} disabled={busy}>
                      {t('prompts.discard')}
                    </button>
                  )}
                  {publisher && current.number > 0 && (current.status === 'archived' || current.status === 'active') && (
                    <button
                      type="button"
                      data-testid="prompt-rollback"
                      disabled={current.number === active || busy || gating}
                      title={current.number === active ? t('prompts.isLive') : undefined}
                      onClick={() => setAsking('rollback')}
                    >
                      {t('prompts.rollback')}
                    </button>
                  )}
                  {current.number === 0 && active !== 0 && (
                    <button type="button" onClick={() => leave() && void create(t('prompts.backToShipped'), 'shipped')}>
                      {t('prompts.draftFromShipped')}
                    </button>
                  )}
                </div>
                <div className="muted small version-meta">
                  {current.number === 0
                    ? t('prompts.v0Hint')
                    : t('prompts.byAt', {
                        who: current.author ?? t('prompts.history.system'),
                        at: shortTime(current.updated_at, lang),
                      })}
                  {current.base_number !== null && ` · ${t('prompts.basedOn', { n: current.base_number })}`}
                  {current.published_at && ` · ${t('prompts.publishedAt', { at: shortTime(current.published_at, lang) })}`}
                  {!editable && current.number > 0 && EDITABLE.includes(current.status) && ` · ${t('prompts.notYours')}`}
                  {editable && !publisher && ` · ${t('prompts.ownerPublishes')}`}
                  {!EDITABLE.includes(current.status) && ` · ${t('prompts.readOnly')}`}
                </div>
                {stale && <p className="warn-line">{t('prompts.stale', { base: current.base_number ?? 0, active })}</p>}
              </div>

              <GatePanel version={current} />

              <div className="prompt-tabs" role="tablist">
                {TABS.map((name) => (
                  <button
                    key={name}
                    type="button"
                    role="tab"
                    aria-selected={tab === name}
                    className={tab === name ? 'active' : ''}
                    data-testid={`prompt-tab-${name}`}
                    onClick={() => setTab(name)}
                  >
                    {t(`prompts.tab.${name}`)}
                    {name === 'diff' && changes.length > 0 && <span className="count">{changes.length}</span>}
                    {name === 'texts' && problems.length > 0 && <span className="count bad">{problems.length}</span>}
                  </button>
                ))}
              </div>

              {tab === 'texts' && (
                <div className="texts-layout">
                  <KeyList
                    groups={groups}
                    selected={keyName}
                    onSelect={setSelectedKey}
                    overridden={overridden}
                    withProblems={new Set(problems.map((p) => p.key))}
                    query={query}
                    onQuery={setQuery}
                    onlyOwn={onlyOwn}
                    onOnlyOwn={setOnlyOwn}
                    total={keys.length}
                  />
                  {spec ? (
                    <TextEditor
                      key={spec.key}
                      spec={spec}
                      language={keyLanguage}
                      onLanguage={setLanguage}
                      content={content}
                      onContent={changeContent}
                      readOnly={!editable}
                      problems={problems}
                    />
                  ) : (
                    <p className="muted pad">{t('prompts.pickText')}</p>
                  )}
                </div>
              )}
              {tab === 'tone' && (
                <TonePanel
                  keys={keys}
                  agents={registry.data.agents}
                  content={content}
                  onContent={changeContent}
                  readOnly={!editable}
                />
              )}
              {tab === 'diff' && (
                <DiffView
                  changes={changes}
                  onOpen={(key, lang) => {
                    setSelectedKey(key)
                    setLanguage(lang)
                    setTab('texts')
                  }}
                />
              )}
              {tab === 'preview' && <ReplyPreview content={content} blocked={blocked} />}
              {tab === 'history' && <HistoryView current={current.number} onOpen={open} />}
            </>
          )}
        </section>
      </div>

      {asking === 'new' && <NewDraftDialog active={active} busy={busy} onCancel={() => setAsking(null)} onCreate={create} />}
      {asking === 'publish' && current && (
        <Dialog title={t('prompts.publishTitle', { n: current.number })} onClose={() => setAsking(null)}>
          <p>{t('prompts.publishText')}</p>
          <p className="muted">{t('prompts.publishChanges', { n: changes.length })}</p>
          {dirty && <p className="warn-line">{t('prompts.publishSavesFirst')}</p>}
          <div className="buttons end">
            <button type="button" onClick={() => setAsking(null)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="primary" data-testid="prompt-publish-confirm" onClick={() => void publish()}>
              {t('prompts.publish')}
            </button>
          </div>
        </Dialog>
      )}
      {asking === 'rollback' && current && (
        <Dialog title={t('prompts.rollbackTitle', { n: current.number })} onClose={() => setAsking(null)}>
          <p>{t('prompts.rollbackText', { n: current.number })}</p>
          <div className="buttons end">
            <button type="button" onClick={() => setAsking(null)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="primary" data-testid="prompt-rollback-confirm" onClick={() => void rollback()}>
              {t('prompts.rollback')}
            </button>
          </div>
        </Dialog>
      )}
      {asking === 'discard' && current && (
        <Dialog title={t('prompts.discardTitle', { n: current.number })} onClose={() => setAsking(null)}>
          <p>{t('prompts.discardText')}</p>
          <div className="buttons end">
            <button type="button" onClick={() => setAsking(null)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="danger" data-testid="prompt-discard-confirm" onClick={() => void discard()}>
              {t('prompts.discard')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  )
}

function VersionItem({
  row,
  active,
  selected,
  onOpen,
}: {
  row: VersionSummary
  active: number
  selected: boolean
  onOpen: (n: number) => void
}) {
  const { t, lang } = useI18n()
  return (
    <li>
      <button
        type="button"
        className={`version-item${selected ? ' selected' : ''}`}
        data-testid={`prompt-version-${row.number}`}
        aria-current={selected ? 'true' : undefined}
        onClick={() => onOpen(row.number)}
      >
        <div className="row1">
          <strong>v{row.number}</strong>
          <span className={`badge pv-${row.status}`}>
            {row.status === 'gating' && <span className="spinner small" aria-hidden="true" />}
            {t(`prompts.status.${row.status}`)}
          </span>
          {row.number === active && row.status !== 'active' && <span className="tag live">{t('prompts.live')}</span>}
          <span className="spacer" />
          {row.gate_passed === true && (
            <span className="verdict ok" title={t('prompts.gatePassed')} aria-label={t('prompts.gatePassed')}>
              ✓
            </span>
          )}
          {row.gate_passed === false && (
            <span className="verdict bad" title={t('prompts.gateFailed')} aria-label={t('prompts.gateFailed')}>
              ✗
            </span>
          )}
        </div>
        {row.note && <div className="version-note-line">{row.note}</div>}
        <div className="muted small">
          {row.author ?? t('prompts.history.system')} · {shortTime(row.updated_at, lang)}
          {row.changes > 0 && ` · ${t('prompts.changesN', { n: row.changes })}`}
        </div>
      </button>
    </li>
  )
}

function NewDraftDialog({
  active,
  busy,
  onCancel,
  onCreate,
}: {
  active: number
  busy: boolean
  onCancel: () => void
  onCreate: (note: string, from: 'active' | 'shipped') => void
}) {
  const { t } = useI18n()
  const [note, setNote] = useState('')
  const [from, setFrom] = useState<'active' | 'shipped'>('active')
  function submit(event: FormEvent) {
    event.preventDefault()
    onCreate(note.trim(), from)
  }
  return (
    <Dialog title={t('prompts.newDraft')} onClose={onCancel} testId="prompt-new-dialog">
      <form className="stack" onSubmit={submit}>
        <label className="field">
          {t('prompts.note')}
          <input
            autoFocus
            data-testid="prompt-note"
            value={note}
            maxLength={500}
            placeholder={t('prompts.notePlaceholder')}
            onChange={(e) => setNote(e.target.value)}
          />
        </label>
        {active !== 0 && (
          <fieldset className="vars">
            <legend>{t('prompts.startFrom')}</legend>
            <label className="check-line">
              <input type="radio" name="from" checked={from === 'active'} onChange={() => setFrom('active')} />
              {t('prompts.fromActive', { n: active })}
            </label>
            <label className="check-line">
              <input type="radio" name="from" checked={from === 'shipped'} onChange={() => setFrom('shipped')} />
              {t('prompts.fromShipped')}
            </label>
          </fieldset>
        )}
        <p className="hint">{t('prompts.newDraftHint')}</p>
        <div className="buttons end">
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" data-testid="prompt-create" disabled={busy}>
            {t('prompts.create')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
