import { useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, errorText } from '../api/client'
import { useAuth } from '../auth'
import { useI18n } from '../i18n'
import { fieldLabel, flowLabel, triggerLabel } from '../labels'
import { EmptyRow } from './EmptyRow'
import {
  MANAGERS,
  templateNames,
  useRules,
  useTemplates,
  useTriggers,
  variablesOf,
  type RuleIn,
  type RulePublic,
  type VariableSource,
} from './api'
import { clausesOf, conditionOf, conditionText, keepMapped, type Clause, mappingComplete, MAX_DELAY_MINUTES, splitDelay, toMinutes, type DelayUnit } from './logic'
import { ConditionEditor } from './ConditionEditor'
import { VariableMapping } from './VariableMapping'

type Draft = {
  name: string
  trigger: string
  template_name: string
  variables: Record<string, VariableSource>
  amount: number
  unit: DelayUnit
  every: 'day' | 'week'
  at: string
  weekday: number
  enabled: boolean
  follow_up_hours: string
  clauses: Clause[]
}

const EMPTY: Draft = {
  name: '',
  trigger: 'order_delivered',
  template_name: '',
  variables: {},
  amount: 0,
  unit: 'hours',
  every: 'day',
  at: '10:00',
  weekday: 0,
  enabled: true,
  follow_up_hours: '',
  clauses: [],
}

function draftOf(rule: RulePublic): Draft {
  const { amount, unit } = splitDelay(rule.delay_minutes)
  const schedule = (rule.schedule ?? {}) as { every?: 'day' | 'week'; at?: string; weekday?: number }
  return {
    name: rule.name,
    trigger: rule.trigger,
    template_name: rule.template_name,
    variables: rule.variables as Record<string, VariableSource>,
    amount,
    unit,
    every: schedule.every ?? 'day',
    at: schedule.at ?? '10:00',
    weekday: schedule.weekday ?? 0,
    enabled: rule.enabled,
    follow_up_hours: rule.follow_up_hours ? String(rule.follow_up_hours) : '',
    clauses: clausesOf(rule.condition),
  }
}

function ruleBody(draft: Draft): RuleIn {
  const scheduled = draft.trigger === 'schedule'
  return {
    name: draft.name.trim(),
    trigger: draft.trigger,
    template_name: draft.template_name,
    variables: draft.variables,
    delay_minutes: scheduled ? 0 : toMinutes(draft.amount, draft.unit),
    schedule: scheduled
      ? { every: draft.every, at: draft.at, ...(draft.every === 'week' ? { weekday: draft.weekday } : {}) }
      : null,
    enabled: draft.enabled,
    follow_up_hours: draft.follow_up_hours ? Number(draft.follow_up_hours) : null,
    condition: conditionOf(draft.clauses) as RuleIn['condition'],
  }
}

/** "3 gün sonra", "hemen", "her gün 10:00" */
function whenText(t: (key: string, vars?: Record<string, string | number>) => string, rule: RulePublic): string {
  if (rule.trigger === 'schedule') {
    const s = (rule.schedule ?? {}) as { every?: string; at?: string; weekday?: number }
    return s.every === 'week'
      ? t('rule.everyWeek', { day: t(`weekday.${s.weekday ?? 0}`), at: s.at ?? '' })
      : t('rule.everyDay', { at: s.at ?? '' })
  }
  if (!rule.delay_minutes) return t('rule.atOnce')
  const { amount, unit } = splitDelay(rule.delay_minutes)
  return t(amount === 1 ? `rule.after.${unit}.one` : `rule.after.${unit}`, { n: amount })
}

/** Automations: an event (or a time) → a template, after a delay; the built-in flows are rules
 * too (turned on and off here, not deleted). */
export function RulesPage() {
  const { t } = useI18n()
  const { me } = useAuth()
  const manages = !!me && MANAGERS.includes(me.role)
  const queryClient = useQueryClient()
  const rules = useRules()
  const [editing, setEditing] = useState<{ id: string | null; draft: Draft; builtin: boolean } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['outbound', 'rules'] })

  async function toggle(rule: RulePublic) {
    setError(null)
    const { error: failure } = await api.POST('/api/outbound/rules/{rule_id}/enabled', {
      params: { path: { rule_id: rule.id } },
      body: { enabled: !rule.enabled },
    })
    if (failure) setError(errorText(failure))
    await refresh()
  }

  async function remove(rule: RulePublic) {
    setError(null)
    const { error: failure } = await api.DELETE('/api/outbound/rules/{rule_id}', {
      params: { path: { rule_id: rule.id } },
    })
    if (failure) setError(errorText(failure))
    await refresh()
  }

  return (
    <div className="page wide">
      <div className="page-head">
        <h1>{t('nav.automations')}</h1>
        <span className="muted">{t('rule.intro')}</span>
        <span className="spacer" />
        {manages && !editing && (
          <button type="button" className="primary" onClick={() => setEditing({ id: null, draft: EMPTY, builtin: false })}>
            {t('rule.new')}
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {editing && (
        <RuleForm
          key={editing.id ?? 'new'}
          id={editing.id}
          builtin={editing.builtin}
          initial={editing.draft}
          onDone={async () => {
            setEditing(null)
            await refresh()
          }}
        />
      )}
      {rules.isError && <p className="error">{rules.error.message}</p>}
      <table className="grid" data-testid="rules">
        <thead>
          <tr>
            <th>{t('rule.on')}</th>
            <th>{t('rule.name')}</th>
            <th>{t('rule.trigger')}</th>
            <th>{t('rule.when')}</th>
            <th>{t('rule.template')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(rules.data ?? []).length === 0 && (
            <EmptyRow colSpan={6} loading={rules.isLoading} text={t('rule.none')} />
          )}
          {(rules.data ?? []).map((rule) => (
            <tr key={rule.id} className={rule.enabled ? '' : 'inactive'} data-testid={`rule-${rule.name}`}>
              <td>
                <label className="switch">
                  <input
                    type="checkbox"
                    role="switch"
                    aria-label={t('rule.toggle', { name: rule.name })}
                    checked={rule.enabled}
                    disabled={!manages}
                    onChange={() => void toggle(rule)}
                  />
                  <span className="slider" />
                </label>
              </td>
              <td>
                {rule.name}
                {rule.builtin && (
                  <span className="tag builtin" title={flowLabel(t, rule.flow ?? '')}>
                    {t('rule.builtin')}
                  </span>
                )}
              </td>
              <td>
                {triggerLabel(t, rule.trigger)}
                {conditionText(rule.condition) && (
                  <div className="hint">{t('rule.if', { condition: conditionText(rule.condition, (f) => fieldLabel(t, f), (op) => t(`op.${op}`)) })}</div>
                )}
              </td>
              <td>
                {whenText(t, rule)}
                {rule.follow_up_hours ? (
                  <div className="hint">{t('rule.followUpText', { n: rule.follow_up_hours })}</div>
                ) : null}
              </td>
              <td className="mono">{rule.template_name}</td>
              <td className="nowrap">
                {manages && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => setEditing({ id: rule.id, draft: draftOf(rule), builtin: rule.builtin })}
                  >
                    {t('common.edit')}
                  </button>
                )}
                {manages && !rule.builtin && (
                  <button type="button" className="link danger-link" onClick={() => void remove(rule)}>
                    {t('common.delete')}
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

function RuleForm({
  id,
  builtin,
  initial,
  onDone,
}: {
  id: string | null
  builtin: boolean
  initial: Draft
  onDone: () => void | Promise<void>
}) {
  const { t } = useI18n()
  const triggers = useTriggers()
  const templates = useTemplates()
  const [draft, setDraft] = useState<Draft>(initial)
  const [error, setError] = useState<string | null>(null)
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }))
  const rows = templates.data ?? []
  const names = templateNames(rows)
  const variables = draft.template_name ? variablesOf(rows, draft.template_name) : []
  const fields = (triggers.data ?? []).find((k) => k.kind === draft.trigger)?.fields ?? []
  const approved = rows.some((r) => r.name === draft.template_name && r.status === 'APPROVED')
  const delay = toMinutes(draft.amount, draft.unit)
  const ready =
    !!draft.name.trim() && !!draft.template_name && mappingComplete(variables, draft.variables) && delay <= MAX_DELAY_MINUTES

  async function save(event: FormEvent) {
    event.preventDefault()
    setError(null)
    const body = ruleBody(draft)
    const result = id
      ? await api.PUT('/api/outbound/rules/{rule_id}', { params: { path: { rule_id: id } }, body })
      : await api.POST('/api/outbound/rules', { body })
    if (result.error) return setError(errorText(result.error))
    await onDone()
  }

  return (
    <form className="editor-box single" onSubmit={save} aria-label={t('rule.form')}>
      <div className="editor-fields">
        <h2>{id ? t('rule.edit') : t('rule.new')}</h2>
        <div className="field-row">
          <label className="field grow">
            {t('rule.name')}
            <input aria-label={t('rule.name')} required maxLength={100} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
          </label>
          <label className="field">
            {t('rule.trigger')}
            <select aria-label={t('rule.trigger')}
              value={draft.trigger}
              disabled={builtin}
              onChange={(e) => set({ trigger: e.target.value, variables: {}, clauses: [] })}
            >
              {(triggers.data ?? []).map((k) => (
                <option key={k.kind} value={k.kind}>
                  {triggerLabel(t, k.kind)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {draft.trigger === 'schedule' ? (
          <div className="field-row">
            <label className="field">
              {t('rule.every')}
              <select aria-label={t('rule.every')} value={draft.every} onChange={(e) => set({ every: e.target.value as Draft['every'] })}>
                <option value="day">{t('rule.daily')}</option>
                <option value="week">{t('rule.weekly')}</option>
              </select>
            </label>
            {draft.every === 'week' && (
              <label className="field">
                {t('rule.weekday')}
                <select aria-label={t('rule.weekday')} value={draft.weekday} onChange={(e) => set({ weekday: Number(e.target.value) })}>
                  {[0, 1, 2, 3, 4, 5, 6].map((d) => (
                    <option key={d} value={d}>
                      {t(`weekday.${d}`)}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label className="field">
              {t('rule.at')}
              <input aria-label={t('rule.at')} type="time" required value={draft.at} onChange={(e) => set({ at: e.target.value })} />
            </label>
          </div>
        ) : (
          <div className="field-row">
            <label className="field">
              {t('rule.delay')}
              <input aria-label={t('rule.delay')}
                type="number"
                min={0}
                step={1}
                value={draft.amount}
                onChange={(e) => set({ amount: Math.max(0, Number(e.target.value) || 0) })}
              />
            </label>
            <label className="field">
              {t('rule.unit')}
              <select aria-label={t('rule.unit')} value={draft.unit} onChange={(e) => set({ unit: e.target.value as DelayUnit })}>
                <option value="minutes">{t('unit.minutes')}</option>
                <option value="hours">{t('unit.hours')}</option>
                <option value="days">{t('unit.days')}</option>
              </select>
            </label>
            <label className="field">
              {t('rule.followUp')}
              <input aria-label={t('rule.followUp')}
                type="number"
                min={1}
                max={720}
                placeholder="–"
                value={draft.follow_up_hours}
                onChange={(e) => set({ follow_up_hours: e.target.value })}
              />
            </label>
          </div>
        )}
        {delay > MAX_DELAY_MINUTES && <p className="warn-line">{t('rule.tooLong')}</p>}
        <p className="hint">{t('rule.quietHint')}</p>
        <label className="field">
          {t('rule.template')}
          <select aria-label={t('rule.template')}
            required
            value={draft.template_name}
            onChange={(e) => {
              const name = e.target.value
              set({ template_name: name, variables: keepMapped(variablesOf(rows, name), draft.variables) })
            }}
          >
            <option value="" disabled>
              {t('rule.pickTemplate')}
            </option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {draft.template_name && !approved && <p className="warn-line">{t('rule.notApproved')}</p>}
        {draft.template_name && (
          <fieldset className="vars">
            <legend>{t('rule.mapping')}</legend>
            <VariableMapping
              variables={variables}
              fields={fields}
              value={draft.variables}
              onChange={(variables) => set({ variables })}
            />
          </fieldset>
        )}
        <ConditionEditor
          fields={fields}
          clauses={draft.clauses}
          onChange={(clauses) => set({ clauses })}
        />
        <label className="check-line">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
          {t('rule.enabled')}
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={!ready}>
            {t('common.save')}
          </button>
          <button type="button" onClick={() => void onDone()}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </form>
  )
}
