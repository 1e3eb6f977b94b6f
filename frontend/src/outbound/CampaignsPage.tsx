import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type FormEvent } from 'react'
import { api, errorText } from '../api/client'
import { useAuth } from '../auth'
import { locale, useI18n } from '../i18n'
import { campaignStatusLabel } from '../labels'
import { shortTime } from '../lib/format'
import { EmptyRow } from './EmptyRow'
import {
  MANAGERS,
  templateNames,
  unwrap,
  useCampaigns,
  useTemplates,
  variablesOf,
  type Audience,
  type CampaignIn,
  type CampaignPublic,
  type VariableSource,
  type VariantStats,
} from './api'
import { campaignActions, keepMapped, localToIso, mappingComplete, money, ratio, splitTags } from './logic'
import { CampaignSends, OptOuts } from './SendsAndConsent'
import { VariableMapping } from './VariableMapping'

const RECIPIENT_FIELDS = ['name', 'first_name', 'phone']

type AudienceDraft = {
  tags: string
  tags_mode: 'any' | 'all'
  last_order_after: string
  last_order_before: string
  min_spent: string
  language: string
}

type Draft = {
  name: string
  audience: AudienceDraft
  template_a: string
  template_b: string
  split_percent: number
  variables: Record<string, VariableSource>
  conversion_days: number
}

const EMPTY: Draft = {
  name: '',
  audience: { tags: '', tags_mode: 'any', last_order_after: '', last_order_before: '', min_spent: '', language: '' },
  template_a: '',
  template_b: '',
  split_percent: 50,
  variables: {},
  conversion_days: 7,
}

/** The audience as the API takes it (empty filters left out; dates from midnight UTC). */
function audienceOf(draft: AudienceDraft): Audience {
  const audience: Audience = { tags: splitTags(draft.tags), tags_mode: draft.tags_mode, opted_in_only: true }
  if (draft.last_order_after) audience.last_order_after = `${draft.last_order_after}T00:00:00Z`
  if (draft.last_order_before) audience.last_order_before = `${draft.last_order_before}T00:00:00Z`
  if (draft.min_spent !== '' && !Number.isNaN(Number(draft.min_spent))) audience.min_spent = Number(draft.min_spent)
  if (draft.language) audience.language = draft.language
  return audience
}

function audienceDraft(audience: Record<string, unknown>): AudienceDraft {
  const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : '')
  return {
    tags: Array.isArray(audience.tags) ? audience.tags.join(', ') : '',
    tags_mode: audience.tags_mode === 'all' ? 'all' : 'any',
    last_order_after: day(audience.last_order_after),
    last_order_before: day(audience.last_order_before),
    min_spent: audience.min_spent != null ? String(audience.min_spent) : '',
    language: typeof audience.language === 'string' ? audience.language : '',
  }
}

function draftOf(campaign: CampaignPublic): Draft {
  return {
    name: campaign.name,
    audience: audienceDraft(campaign.audience),
    template_a: campaign.template_a,
    template_b: campaign.template_b ?? '',
    split_percent: campaign.split_percent,
    variables: campaign.variables as Record<string, VariableSource>,
    conversion_days: campaign.conversion_days,
  }
}

function campaignBody(draft: Draft): CampaignIn {
  return {
    name: draft.name.trim(),
    audience: audienceOf(draft.audience),
    template_a: draft.template_a,
    template_b: draft.template_b || null,
    split_percent: draft.split_percent,
    variables: draft.variables,
    conversion_days: draft.conversion_days,
  }
}

/** ``value``, once it stopped changing for ``ms``. */
function useSettled<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms)
    return () => window.clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** Campaigns: an audience with its live count, a template (or an A/B pair with a split), a
 * schedule, the state buttons, and per variant what came of it (sent → converted, cost, ROI). */
export function CampaignsPage() {
  const { t, lang } = useI18n()
  const { me } = useAuth()
  const manages = !!me && MANAGERS.includes(me.role)
  const queryClient = useQueryClient()
  const campaigns = useCampaigns()
  const [editing, setEditing] = useState<{ id: string | null; draft: Draft } | null>(null)
  const [openId, setOpenId] = useState<string | null>(null)
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['outbound', 'campaigns'] })
  const open = (campaigns.data ?? []).find((c) => c.id === openId) ?? null

  return (
    <div className="page wide">
      <div className="page-head">
        <h1>{t('nav.campaigns')}</h1>
        <span className="muted">{t('camp.intro')}</span>
        <span className="spacer" />
        {manages && !editing && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setOpenId(null)
              setEditing({ id: null, draft: EMPTY })
            }}
          >
            {t('camp.new')}
          </button>
        )}
      </div>
      {editing && (
        <CampaignForm
          key={editing.id ?? 'new'}
          id={editing.id}
          initial={editing.draft}
          onDone={async (saved) => {
            setEditing(null)
            if (saved) setOpenId(saved.id)
            await refresh()
          }}
        />
      )}
      {campaigns.isError && <p className="error">{campaigns.error.message}</p>}
      <table className="grid" data-testid="campaigns">
        <thead>
          <tr>
            <th>{t('camp.name')}</th>
            <th>{t('camp.status')}</th>
            <th>{t('camp.templates')}</th>
            <th className="num">{t('camp.recipients')}</th>
            <th>{t('camp.when')}</th>
          </tr>
        </thead>
        <tbody>
          {(campaigns.data ?? []).length === 0 && (
            <EmptyRow colSpan={5} loading={campaigns.isLoading} text={t('camp.none')} />
          )}
          {(campaigns.data ?? []).map((c) => (
            <tr
              key={c.id}
              className={`clickable${c.id === openId ? ' selected' : ''}`}
              onClick={() => setOpenId(c.id === openId ? null : c.id)}
              data-testid={`campaign-${c.name}`}
            >
              <td>
                <button type="button" className="link strong" aria-expanded={c.id === openId}>
                  {c.name}
                </button>
              </td>
              <td>
                <span className={`badge camp-${c.status}`}>{campaignStatusLabel(t, c.status)}</span>
              </td>
              <td className="mono">
                {c.template_a}
                {c.template_b && ` / ${c.template_b} (${c.split_percent}/${100 - c.split_percent})`}
              </td>
              <td className="num">{c.recipients}</td>
              <td className="muted">
                {shortTime(c.started_at ?? c.scheduled_at ?? c.created_at, lang)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && !editing && (
        <CampaignDetail
          campaign={open}
          manages={manages}
          onEdit={() => setEditing({ id: open.id, draft: draftOf(open) })}
          onChanged={refresh}
          onDeleted={async () => {
            setOpenId(null)
            await refresh()
          }}
        />
      )}
      <OptOuts />
    </div>
  )
}

function AudienceCount({ draft, templateA, templateB }: { draft: AudienceDraft; templateA: string; templateB: string }) {
  const { t } = useI18n()
  const body = useSettled({ audience: audienceOf(draft), template_a: templateA || null, template_b: templateB || null })
  const preview = useQuery({
    queryKey: ['outbound', 'audience', body],
    queryFn: async () => unwrap(await api.POST('/api/outbound/campaigns/preview', { body })),
    placeholderData: (previous) => previous,
  })
  if (preview.isError) return <p className="error">{preview.error.message}</p>
  const data = preview.data
  return (
    <div className="audience-count" aria-live="polite" aria-busy={preview.isFetching}>
      <div className="big" data-testid="audience-count">
        {data ? data.count : '…'}
      </div>
      <div>{t('camp.reach')}</div>
      {data && data.opted_out_excluded > 0 && (
        <div className="hint">{t('camp.optedOut', { n: data.opted_out_excluded })}</div>
      )}
      {data && !data.channel && <div className="warn-line">{t('camp.noChannel')}</div>}
      {data && data.sample.length > 0 && (
        <ul className="sample" data-testid="audience-sample">
          {data.sample.map((person, i) => (
            <li key={String(person.id ?? i)}>
              {String(person.name || '–')} <span className="muted mono">{String(person.phone ?? '')}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

function CampaignForm({
  id,
  initial,
  onDone,
}: {
  id: string | null
  initial: Draft
  onDone: (saved: CampaignPublic | null) => void | Promise<void>
}) {
  const { t } = useI18n()
  const templates = useTemplates()
  const [draft, setDraft] = useState<Draft>(initial)
  const [error, setError] = useState<string | null>(null)
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }))
  const setAudience = (patch: Partial<AudienceDraft>) => setDraft((d) => ({ ...d, audience: { ...d.audience, ...patch } }))
  const rows = templates.data ?? []
  const names = templateNames(rows)
  const variables = [
    ...new Set([
      ...(draft.template_a ? variablesOf(rows, draft.template_a) : []),
      ...(draft.template_b ? variablesOf(rows, draft.template_b) : []),
    ]),
  ]
  const ready = !!draft.name.trim() && !!draft.template_a && mappingComplete(variables, draft.variables)

  function pick(patch: Partial<Draft>) {
    const next = { ...draft, ...patch }
    const wanted = [
      ...(next.template_a ? variablesOf(rows, next.template_a) : []),
      ...(next.template_b ? variablesOf(rows, next.template_b) : []),
    ]
    setDraft({ ...next, variables: keepMapped(wanted, next.variables) })
  }

  async function save(event: FormEvent) {
    event.preventDefault()
    setError(null)
    const body = campaignBody(draft)
    const result = id
      ? await api.PUT('/api/outbound/campaigns/{campaign_id}', { params: { path: { campaign_id: id } }, body })
      : await api.POST('/api/outbound/campaigns', { body })
    if (result.error) return setError(errorText(result.error))
    await onDone(result.data ?? null)
  }

  return (
    <form className="editor-box" onSubmit={save} aria-label={t('camp.form')}>
      <div className="editor-fields">
        <h2>{id ? t('camp.edit') : t('camp.new')}</h2>
        <label className="field">
          {t('camp.name')}
          <input aria-label={t('camp.name')} required maxLength={200} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
        <fieldset className="vars">
          <legend>{t('camp.audience')}</legend>
          <div className="field-row">
            <label className="field grow">
              {t('camp.tags')}
              <input aria-label={t('camp.tags')}
                placeholder="vip, sadik"
                value={draft.audience.tags}
                onChange={(e) => setAudience({ tags: e.target.value })}
              />
            </label>
            <label className="field">
              {t('camp.tagsMode')}
              <select aria-label={t('camp.tagsMode')}
                value={draft.audience.tags_mode}
                onChange={(e) => setAudience({ tags_mode: e.target.value as AudienceDraft['tags_mode'] })}
              >
                <option value="any">{t('camp.tagsAny')}</option>
                <option value="all">{t('camp.tagsAll')}</option>
              </select>
            </label>
          </div>
          <div className="field-row">
            <label className="field">
              {t('camp.lastOrderAfter')}
              <input aria-label={t('camp.lastOrderAfter')}
                type="date"
                value={draft.audience.last_order_after}
                onChange={(e) => setAudience({ last_order_after: e.target.value })}
              />
            </label>
            <label className="field">
              {t('camp.lastOrderBefore')}
              <input aria-label={t('camp.lastOrderBefore')}
                type="date"
                value={draft.audience.last_order_before}
                onChange={(e) => setAudience({ last_order_before: e.target.value })}
              />
            </label>
            <label className="field">
              {t('camp.minSpent')}
              <input aria-label={t('camp.minSpent')}
                type="number"
                min={0}
                step="any"
                placeholder="–"
                value={draft.audience.min_spent}
                onChange={(e) => setAudience({ min_spent: e.target.value })}
              />
            </label>
            <label className="field">
              {t('camp.language')}
              <select aria-label={t('camp.language')} value={draft.audience.language} onChange={(e) => setAudience({ language: e.target.value })}>
                <option value="">{t('camp.anyLanguage')}</option>
                <option value="tr">Türkçe</option>
                <option value="en">English</option>
                <option value="ar">العربية</option>
              </select>
            </label>
          </div>
          <p className="hint">{t('camp.optInOnly')}</p>
        </fieldset>
        <fieldset className="vars">
          <legend>{t('camp.message')}</legend>
          <div className="field-row">
            <label className="field grow">
              {t('camp.templateA')}
              <select aria-label={t('camp.templateA')} required value={draft.template_a} onChange={(e) => pick({ template_a: e.target.value })}>
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
            <label className="field grow">
              {t('camp.templateB')}
              <select aria-label={t('camp.templateB')} value={draft.template_b} onChange={(e) => pick({ template_b: e.target.value })}>
                <option value="">{t('camp.noB')}</option>
                {names
                  .filter((name) => name !== draft.template_a)
                  .map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
              </select>
            </label>
          </div>
          {draft.template_b && (
            <label className="field">
              {t('camp.split', { a: draft.split_percent, b: 100 - draft.split_percent })}
              <input aria-label={t('camp.split', { a: draft.split_percent, b: 100 - draft.split_percent })}
                type="range"
                min={1}
                max={99}
                value={draft.split_percent}
                onChange={(e) => set({ split_percent: Number(e.target.value) })}
              />
            </label>
          )}
          {variables.length > 0 && (
            <VariableMapping
              variables={variables}
              fields={RECIPIENT_FIELDS}
              value={draft.variables}
              onChange={(variables) => set({ variables })}
            />
          )}
          <label className="field narrow">
            {t('camp.conversionDays')}
            <input aria-label={t('camp.conversionDays')}
              type="number"
              min={1}
              max={90}
              value={draft.conversion_days}
              onChange={(e) => set({ conversion_days: Math.min(90, Math.max(1, Number(e.target.value) || 1)) })}
            />
          </label>
        </fieldset>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={!ready}>
            {t('camp.saveDraft')}
          </button>
          <button type="button" onClick={() => void onDone(null)}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
      <div className="editor-preview">
        <h3>{t('camp.liveCount')}</h3>
        <AudienceCount draft={draft.audience} templateA={draft.template_a} templateB={draft.template_b} />
      </div>
    </form>
  )
}

function CampaignDetail({
  campaign,
  manages,
  onEdit,
  onChanged,
  onDeleted,
}: {
  campaign: CampaignPublic
  manages: boolean
  onEdit: () => void
  onChanged: () => Promise<void>
  onDeleted: () => Promise<void>
}) {
  const { t, lang } = useI18n()
  const [error, setError] = useState<string | null>(null)
  const [at, setAt] = useState('')
  const stats = useQuery({
    queryKey: ['outbound', 'campaigns', campaign.id, 'stats', campaign.status],
    enabled: campaign.status !== 'draft',
    queryFn: async () =>
      unwrap(
        await api.GET('/api/outbound/campaigns/{campaign_id}/stats', {
          params: { path: { campaign_id: campaign.id } },
        }),
      ),
    refetchInterval: campaign.status === 'running' ? 5000 : false,
  })
  const actions = manages ? campaignActions(campaign.status) : []
  const path = { params: { path: { campaign_id: campaign.id } } }

  async function step(action: 'launch' | 'pause' | 'resume' | 'cancel') {
    setError(null)
    const result =
      action === 'launch'
        ? await api.POST('/api/outbound/campaigns/{campaign_id}/launch', path)
        : action === 'pause'
          ? await api.POST('/api/outbound/campaigns/{campaign_id}/pause', path)
          : action === 'resume'
            ? await api.POST('/api/outbound/campaigns/{campaign_id}/resume', path)
            : await api.POST('/api/outbound/campaigns/{campaign_id}/cancel', path)
    if (result.error) setError(errorText(result.error))
    await onChanged()
  }

  async function schedule(event: FormEvent) {
    event.preventDefault()
    setError(null)
    const iso = localToIso(at)
    if (!iso) return setError(t('camp.pickTime'))
    const { error: failure } = await api.POST('/api/outbound/campaigns/{campaign_id}/schedule', {
      ...path,
      body: { at: iso },
    })
    if (failure) setError(errorText(failure))
    await onChanged()
  }

  async function remove() {
    setError(null)
    const { error: failure } = await api.DELETE('/api/outbound/campaigns/{campaign_id}', path)
    if (failure) return setError(errorText(failure))
    await onDeleted()
  }

  const audience = campaign.audience as Record<string, unknown>
  return (
    <section className="detail" data-testid="campaign-detail">
      <div className="page-head">
        <h2>{campaign.name}</h2>
        <span className={`badge camp-${campaign.status}`}>{campaignStatusLabel(t, campaign.status)}</span>
        {campaign.scheduled_at && (
          <span className="muted">{t('camp.scheduledFor', { at: shortTime(campaign.scheduled_at, lang) })}</span>
        )}
        <span className="spacer" />
        <div className="buttons">
          {actions.includes('edit') && (
            <button type="button" onClick={onEdit}>
              {t('common.edit')}
            </button>
          )}
          {actions.includes('launch') && (
            <button type="button" className="primary" onClick={() => void step('launch')}>
              {t('camp.launch')}
            </button>
          )}
          {actions.includes('pause') && (
            <button type="button" onClick={() => void step('pause')}>
              {t('camp.pause')}
            </button>
          )}
          {actions.includes('resume') && (
            <button type="button" className="primary" onClick={() => void step('resume')}>
              {t('camp.resume')}
            </button>
          )}
          {actions.includes('cancel') && (
            <button type="button" className="danger" onClick={() => void step('cancel')}>
              {t('camp.cancel')}
            </button>
          )}
          {actions.includes('delete') && (
            <button type="button" className="danger" onClick={() => void remove()}>
              {t('common.delete')}
            </button>
          )}
        </div>
      </div>
      {actions.includes('schedule') && (
        <form className="inline-form" onSubmit={schedule}>
          <label className="field inline">
            {t('camp.scheduleAt')}
            <input aria-label={t('camp.scheduleAt')} type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} />
          </label>
          <button type="submit">{t('camp.schedule')}</button>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="muted small">
        {t('camp.audienceLine', {
          tags: Array.isArray(audience.tags) && audience.tags.length ? audience.tags.join(', ') : '–',
          language: typeof audience.language === 'string' ? audience.language.toUpperCase() : '–',
        })}{' '}
        · {t('camp.conversionLine', { n: campaign.conversion_days })}
      </p>
      {campaign.status === 'draft' ? (
        <p className="hint">{t('camp.draftHint')}</p>
      ) : stats.isError ? (
        <p className="error">{stats.error.message}</p>
      ) : stats.data ? (
        <>
          <div className="cards">
            <Figure label={t('camp.cost')} value={money(stats.data.cost, locale(lang))} />
            <Figure label={t('camp.revenue')} value={money(stats.data.revenue, locale(lang))} />
            <Figure
              label={t('camp.roi')}
              value={stats.data.roi == null ? '–' : `${(stats.data.roi * 100).toFixed(0)}%`}
              testId="roi"
            />
            <Figure
              label={t('camp.conversion')}
              value={ratio(stats.data.total.converted, stats.data.total.sent)}
            />
          </div>
          <StatsTable variants={stats.data.variants} total={stats.data.total} />
          <CampaignSends campaignId={campaign.id} status={campaign.status} />
        </>
      ) : (
        <p className="muted">{t('common.loading')}</p>
      )}
    </section>
  )
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="card" data-testid={testId}>
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
    </div>
  )
}

const STEPS = ['sent', 'delivered', 'read', 'replied', 'converted'] as const

export function StatsTable({ variants, total }: { variants: VariantStats[]; total: VariantStats }) {
  const { t, lang } = useI18n()
  const rows = variants.length > 1 ? [...variants, total] : variants.length ? variants : [total]
  return (
    <table className="grid stats" data-testid="campaign-stats">
      <thead>
        <tr>
          <th>{t('camp.variant')}</th>
          <th className="num">{t('camp.recipients')}</th>
          {STEPS.map((s) => (
            <th key={s} className="num">
              {t(`camp.${s}`)}
            </th>
          ))}
          <th className="num">{t('camp.failed')}</th>
          <th className="num">{t('camp.cost')}</th>
          <th className="num">{t('camp.revenue')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((v) => (
          <tr key={v.variant} className={v.variant === 'total' ? 'total' : ''}>
            <td>
              {v.variant === 'total' ? t('camp.total') : v.variant}
              {v.template && <span className="muted mono"> · {v.template}</span>}
            </td>
            <td className="num">{v.recipients}</td>
            {STEPS.map((s) => (
              <td key={s} className="num" data-testid={`stat-${v.variant}-${s}`}>
                {v[s]}
                {s !== 'sent' && v.sent > 0 && <span className="muted small"> {ratio(v[s], v.sent)}</span>}
              </td>
            ))}
            <td className="num">{v.failed}</td>
            <td className="num">{money(v.cost, locale(lang))}</td>
            <td className="num">{money(v.revenue, locale(lang))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
