import { useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, errorText } from '../api/client'
import { useAuth } from '../auth'
import { useI18n } from '../i18n'
import { templateStatusLabel } from '../labels'
import { shortTime } from '../lib/format'
import { EmptyRow } from './EmptyRow'
import { MANAGERS, useTemplates, type TemplatePublic, type TemplateSpec } from './api'
import {
  EMPTY_TEMPLATE,
  examples,
  nameInput,
  placeholder,
  TEMPLATE_NAME,
  unknownPlaceholders,
  unusedVariables,
  type TemplateButton,
  type TemplateDraft,
  type VariableType,
} from './logic'
import { WhatsAppPreview } from './WhatsAppPreview'

const VARIABLE_TYPES: VariableType[] = ['text', 'number', 'date', 'currency']
const EXAMPLES: Record<VariableType, string> = {
  text: 'Ayşe',
  number: '3',
  date: '12.12.2026',
  currency: '249,90 TL',
}

function draftOf(row: TemplatePublic): TemplateDraft {
  return {
    name: row.name,
    language: row.language as TemplateDraft['language'],
    category: row.category as TemplateDraft['category'],
    parameter_format: row.parameter_format as TemplateDraft['parameter_format'],
    variables: row.variables.map((v) => ({
      name: v.name,
      type: (VARIABLE_TYPES.includes(v.type as VariableType) ? v.type : 'text') as VariableType,
      example: v.example,
    })),
    header: row.header ?? '',
    body: row.body,
    footer: row.footer ?? '',
    buttons: row.buttons.map((b) => ({
      type: b.type === 'url' ? 'url' : 'quick_reply',
      text: b.text,
      payload: b.payload ?? null,
      url: b.url ?? null,
    })),
  }
}

function specOf(draft: TemplateDraft): TemplateSpec {
  return {
    name: draft.name,
    language: draft.language,
    category: draft.category,
    parameter_format: draft.parameter_format,
    variables: draft.variables,
    header: draft.header.trim() || null,
    body: draft.body,
    footer: draft.footer.trim() || null,
    buttons: draft.buttons.map((b) =>
      b.type === 'url'
        ? { type: 'url', text: b.text, url: b.url ?? '' }
        : { type: 'quick_reply', text: b.text, ...(b.payload ? { payload: b.payload } : {}) },
    ) as TemplateSpec['buttons'],
  }
}

/** Templates: the list with Meta's verdict (the reason of a rejection), and a form with typed
 * variables and a live WhatsApp-like preview; a draft is submitted to Meta from here. */
export function TemplatesPage() {
  const { t, lang } = useI18n()
  const { me } = useAuth()
  const manages = !!me && MANAGERS.includes(me.role)
  const queryClient = useQueryClient()
  const templates = useTemplates()
  const [editing, setEditing] = useState<{ id: string | null; draft: TemplateDraft } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['outbound', 'templates'] })

  async function submit(id: string) {
    setError(null)
    setNotice(null)
    const { data, error: failure } = await api.POST('/api/outbound/templates/{template_id}/submit', {
      params: { path: { template_id: id } },
    })
    if (failure) setError(errorText(failure))
    else setNotice(t('tpl.submitted', { name: data.name, status: templateStatusLabel(t, data.status) }))
    await refresh()
  }

  async function submitDrafts() {
    setError(null)
    setNotice(null)
    const { data, error: failure } = await api.POST('/api/outbound/templates/submit-drafts')
    if (failure) setError(errorText(failure))
    else {
      setNotice(t('tpl.draftsSubmitted', { count: data.submitted.length }))
      if (data.refused.length)
        setError(data.refused.map((row) => `${row.name} (${row.language}): ${row.reason ?? ''}`).join(' · '))
    }
    await refresh()
  }

  const drafts = (templates.data ?? []).filter((row) => row.status === 'DRAFT').length

  async function remove(id: string) {
    setError(null)
    const { error: failure } = await api.DELETE('/api/outbound/templates/{template_id}', {
      params: { path: { template_id: id } },
    })
    if (failure) setError(errorText(failure))
    await refresh()
  }

  return (
    <div className="page wide">
      <div className="page-head">
        <h1>{t('nav.templates')}</h1>
        <span className="muted">{t('tpl.intro')}</span>
        <span className="spacer" />
        {manages && !editing && drafts > 0 && (
          <button type="button" onClick={submitDrafts}>
            {t('tpl.submitDrafts', { count: drafts })}
          </button>
        )}
        {manages && !editing && (
          <button type="button" className="primary" onClick={() => setEditing({ id: null, draft: EMPTY_TEMPLATE })}>
            {t('tpl.new')}
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && <p className="notice">{notice}</p>}
      {editing && (
        <TemplateForm
          key={editing.id ?? 'new'}
          id={editing.id}
          initial={editing.draft}
          onDone={async (saved) => {
            setEditing(null)
            if (saved) setNotice(t('tpl.saved', { name: saved.name }))
            await refresh()
          }}
        />
      )}
      {templates.isError && <p className="error">{String(templates.error.message)}</p>}
      <table className="grid" data-testid="templates">
        <thead>
          <tr>
            <th>{t('tpl.name')}</th>
            <th>{t('tpl.language')}</th>
            <th>{t('tpl.category')}</th>
            <th>{t('tpl.status')}</th>
            <th>{t('tpl.body')}</th>
            <th>{t('tpl.updated')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(templates.data ?? []).length === 0 && (
            <EmptyRow colSpan={7} loading={templates.isLoading} text={t('tpl.none')} />
          )}
          {(templates.data ?? []).map((row) => (
            <tr key={row.id} data-testid={`template-${row.name}-${row.language}`}>
              <td className="mono">{row.name}</td>
              <td>{row.language.toUpperCase()}</td>
              <td>{t(`tplCategory.${row.category}`)}</td>
              <td>
                <span className={`badge tpl-${row.status.toLowerCase()}`} data-testid="template-status">
                  {templateStatusLabel(t, row.status)}
                </span>
                {row.reason && (
                  <div className="reason" data-testid="template-reason">
                    {row.reason}
                  </div>
                )}
              </td>
              <td className="clip" title={row.body} dir="auto">
                {row.body}
              </td>
              <td className="muted nowrap">{shortTime(row.status_at ?? row.submitted_at ?? row.created_at, lang)}</td>
              <td className="nowrap">
                {manages && row.editable && (
                  <>
                    <button type="button" className="link" onClick={() => setEditing({ id: row.id, draft: draftOf(row) })}>
                      {t('common.edit')}
                    </button>
                    <button type="button" className="link" onClick={() => void submit(row.id)}>
                      {t('tpl.submit')}
                    </button>
                    <button type="button" className="link danger-link" onClick={() => void remove(row.id)}>
                      {t('common.delete')}
                    </button>
                  </>
                )}
                {manages && !row.editable && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => setEditing({ id: null, draft: { ...draftOf(row), name: `${row.name}_v2` } })}
                  >
                    {t('tpl.copy')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function TemplateForm({
  id,
  initial,
  onDone,
}: {
  id: string | null
  initial: TemplateDraft
  onDone: (saved: TemplatePublic | null) => void | Promise<void>
}) {
  const { t } = useI18n()
  const [draft, setDraft] = useState<TemplateDraft>(initial)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<TemplateDraft>) => setDraft((d) => ({ ...d, ...patch }))
  const unknown = unknownPlaceholders(draft)
  const unused = unusedVariables(draft)
  const nameOk = TEMPLATE_NAME.test(draft.name)

  function setVariable(index: number, patch: Partial<TemplateDraft['variables'][number]>) {
    set({ variables: draft.variables.map((v, i) => (i === index ? { ...v, ...patch } : v)) })
  }
  function addVariable() {
    const n = draft.variables.length + 1
    const variable = { name: `var_${n}`, type: 'text' as VariableType, example: EXAMPLES.text }
    const next = { ...draft, variables: [...draft.variables, variable] }
    setDraft({ ...next, body: `${draft.body}${placeholder(next, n - 1)}` })
  }
  function removeVariable(index: number) {
    set({ variables: draft.variables.filter((_, i) => i !== index) })
  }
  function setButton(index: number, patch: Partial<TemplateButton>) {
    set({ buttons: draft.buttons.map((b, i) => (i === index ? { ...b, ...patch } : b)) })
  }

  async function save(event: FormEvent) {
    event.preventDefault()
    setError(null)
    setBusy(true)
    const body = specOf(draft)
    const result = id
      ? await api.PUT('/api/outbound/templates/{template_id}', { params: { path: { template_id: id } }, body })
      : await api.POST('/api/outbound/templates', { body })
    setBusy(false)
    if (result.error) return setError(errorText(result.error))
    await onDone(result.data ?? null)
  }

  return (
    <form className="editor-box" onSubmit={save} aria-label={t('tpl.form')}>
      <div className="editor-fields">
        <h2>{id ? t('tpl.edit') : t('tpl.new')}</h2>
        <div className="field-row">
          <div className="field grow">
            <label className="field">
              {t('tpl.name')}
              <input aria-label={t('tpl.name')}
                required
                value={draft.name}
                aria-invalid={!!draft.name && !nameOk}
                onChange={(e) => set({ name: nameInput(e.target.value) })}
                placeholder="siparis_kargoda"
              />
            </label>
            <span className="hint">{t('tpl.nameHint')}</span>
          </div>
          <label className="field">
            {t('tpl.language')}
            <select aria-label={t('tpl.language')} value={draft.language} onChange={(e) => set({ language: e.target.value as TemplateDraft['language'] })}>
              <option value="tr">Türkçe</option>
              <option value="en">English</option>
              <option value="ar">العربية</option>
            </select>
          </label>
          <label className="field">
            {t('tpl.category')}
            <select aria-label={t('tpl.category')} value={draft.category} onChange={(e) => set({ category: e.target.value as TemplateDraft['category'] })}>
              {(['UTILITY', 'MARKETING', 'AUTHENTICATION'] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`tplCategory.${c}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            {t('tpl.format')}
            <select aria-label={t('tpl.format')}
              value={draft.parameter_format}
              onChange={(e) => set({ parameter_format: e.target.value as TemplateDraft['parameter_format'] })}
            >
              <option value="POSITIONAL">{t('tpl.positional')}</option>
              <option value="NAMED">{t('tpl.named')}</option>
            </select>
          </label>
        </div>
        <p className="hint">{t(`tplCategory.${draft.category}.hint`)}</p>

        <fieldset className="vars">
          <legend>{t('tpl.variables')}</legend>
          {draft.variables.length === 0 && <p className="hint">{t('tpl.noVariables')}</p>}
          {draft.variables.map((variable, index) => (
            <div className="field-row" key={index} data-testid="variable-row">
              <code className="ph">{placeholder(draft, index)}</code>
              <input
                aria-label={t('tpl.varName')}
                value={variable.name}
                onChange={(e) => setVariable(index, { name: nameInput(e.target.value) })}
              />
              <select
                aria-label={t('tpl.varType')}
                value={variable.type}
                onChange={(e) => {
                  const type = e.target.value as VariableType
                  setVariable(index, { type, example: EXAMPLES[type] })
                }}
              >
                {VARIABLE_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {t(`varType.${type}`)}
                  </option>
                ))}
              </select>
              <input
                aria-label={t('tpl.varExample')}
                className="grow"
                required
                value={variable.example}
                onChange={(e) => setVariable(index, { example: e.target.value })}
              />
              <button type="button" className="link" onClick={() => set({ body: `${draft.body}${placeholder(draft, index)}` })}>
                {t('tpl.insert')}
              </button>
              <button type="button" className="link danger-link" aria-label={t('common.delete')} onClick={() => removeVariable(index)}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" onClick={addVariable} disabled={draft.variables.length >= 20}>
            + {t('tpl.addVariable')}
          </button>
        </fieldset>

        <label className="field">
          {t('tpl.header')}
          <input aria-label={t('tpl.header')} value={draft.header} maxLength={60} onChange={(e) => set({ header: e.target.value })} />
        </label>
        <div className="field">
          <label className="field">
            {t('tpl.body')}
            <textarea
              aria-label={t('tpl.body')}
              required
              rows={5}
              maxLength={1024}
              value={draft.body}
              onChange={(e) => set({ body: e.target.value })}
            />
          </label>
          <span className="hint">
            {draft.body.length}/1024 · {t('tpl.bodyHint')}
          </span>
        </div>
        <label className="field">
          {t('tpl.footer')}
          <input aria-label={t('tpl.footer')} value={draft.footer} maxLength={60} onChange={(e) => set({ footer: e.target.value })} />
        </label>

        <fieldset className="vars">
          <legend>{t('tpl.buttons')}</legend>
          {draft.buttons.map((button, index) => (
            <div className="field-row" key={index}>
              <select
                aria-label={t('tpl.buttonType')}
                value={button.type}
                onChange={(e) => setButton(index, { type: e.target.value as TemplateButton['type'] })}
              >
                <option value="quick_reply">{t('tpl.quickReply')}</option>
                <option value="url">{t('tpl.urlButton')}</option>
              </select>
              <input
                aria-label={t('tpl.buttonText')}
                required
                maxLength={25}
                value={button.text}
                onChange={(e) => setButton(index, { text: e.target.value })}
              />
              {button.type === 'url' ? (
                <input
                  aria-label="URL"
                  className="grow"
                  type="url"
                  required
                  placeholder="https://"
                  value={button.url ?? ''}
                  onChange={(e) => setButton(index, { url: e.target.value })}
                />
              ) : (
                <input
                  aria-label={t('tpl.payload')}
                  className="grow"
                  placeholder={t('tpl.payload')}
                  value={button.payload ?? ''}
                  onChange={(e) => setButton(index, { payload: e.target.value })}
                />
              )}
              <button
                type="button"
                className="link danger-link"
                aria-label={t('common.delete')}
                onClick={() => set({ buttons: draft.buttons.filter((_, i) => i !== index) })}
              >
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            disabled={draft.buttons.length >= 10}
            onClick={() => set({ buttons: [...draft.buttons, { type: 'quick_reply', text: '', payload: '' }] })}
          >
            + {t('tpl.addButton')}
          </button>
        </fieldset>

        {unknown.length > 0 && <p className="warn-line">{t('tpl.unknownPlaceholders', { list: unknown.join(', ') })}</p>}
        {unused.length > 0 && <p className="warn-line">{t('tpl.unusedVariables', { list: unused.join(', ') })}</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy || !nameOk || !draft.body.trim() || unknown.length > 0}>
            {t('tpl.saveDraft')}
          </button>
          <button type="button" onClick={() => void onDone(null)}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
      <div className="editor-preview">
        <h3>{t('tpl.preview')}</h3>
        <WhatsAppPreview draft={draft} values={examples(draft)} />
      </div>
    </form>
  )
}
