import { useQueryClient } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { api, errorText } from '../api/client'
import { useI18n } from '../i18n'
import { EmptyRow } from '../outbound/EmptyRow'
import { Dialog } from '../prompts/Dialog'
import { KEYS, useCanManage, useProducts, useRules, type RuleOut, type Tier } from './api'
import {
  draftOf,
  EMPTY_RULE,
  KINDS,
  ruleProblems,
  ruleText,
  specOf,
  TIERS,
  type RuleDraft,
} from './logic'

export function KindBadge({ kind }: { kind: string }) {
  const { t } = useI18n()
  return <span className={`badge kind-${kind}`}>{t(`rev.kind.${kind}`)}</span>
}

/** The offer rules: what is offered with what, a bundle's discount (never above the tenant's
 * maximum), by priority. */
export function RulesTab() {
  const { t } = useI18n()
  const manage = useCanManage()
  const queryClient = useQueryClient()
  const rules = useRules()
  // Product ids are shown by title when the catalogue's first page knows them.
  const catalogue = useProducts('', 200)
  const titles = useMemo(
    () => Object.fromEntries((catalogue.data?.products ?? []).map((p) => [p.product_main_id, p.title])),
    [catalogue.data],
  )
  const [editing, setEditing] = useState<{ id: string | null; draft: RuleDraft } | null>(null)
  const [deleting, setDeleting] = useState<RuleOut | null>(null)
  const [error, setError] = useState<string | null>(null)
  const max = rules.data?.max_discount_percent ?? 0
  const auto = rules.data?.discount_auto_percent ?? 0
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEYS.rules })

  async function toggle(rule: RuleOut) {
    setError(null)
    // PATCH: switching off always works, even for a rule over a lowered maximum discount.
    const { error: failure } = await api.PATCH('/api/revenue/rules/{offer_rule_id}', {
      params: { path: { offer_rule_id: rule.id } },
      body: { enabled: !rule.enabled },
    })
    if (failure) setError(errorText(failure))
    await refresh()
  }

  async function remove(rule: RuleOut) {
    setError(null)
    const { error: failure } = await api.DELETE('/api/revenue/rules/{offer_rule_id}', {
      params: { path: { offer_rule_id: rule.id } },
    })
    setDeleting(null)
    if (failure) setError(errorText(failure))
    if (editing?.id === rule.id) setEditing(null)
    await refresh()
  }

  return (
    <div className="stack">
      <div className="page-head">
        <span className="hint" data-testid="rule-ceiling">
          {max > 0 ? t('rev.rule.ceiling', { max }) : t('rev.rule.noDiscount')}
          {max > 0 && auto < max && ` ${t('rev.rule.ceilingAuto', { auto })}`}
        </span>
        <span className="spacer" />
        {manage && !editing && (
          <button
            type="button"
            className="primary"
            data-testid="rule-new"
            onClick={() => setEditing({ id: null, draft: EMPTY_RULE })}
          >
            {t('rev.rule.new')}
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
          initial={editing.draft}
          maxDiscount={max}
          autoDiscount={auto}
          onRefused={refresh}
          onDone={async () => {
            setEditing(null)
            await refresh()
          }}
        />
      )}
      {rules.isError && (
        <p className="error" role="alert">
          {rules.error.message}
        </p>
      )}
      <table className="grid" data-testid="rules">
        <thead>
          <tr>
            <th>{t('rev.rule.on')}</th>
            <th>{t('rev.rule.kind')}</th>
            <th>{t('rev.rule.name')}</th>
            <th>{t('rev.rule.what')}</th>
            <th className="num">{t('rev.rule.discount')}</th>
            <th className="num">{t('rev.rule.priority')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(rules.data?.rules ?? []).length === 0 && (
            <EmptyRow colSpan={7} loading={rules.isLoading} text={t('rev.rule.none')} />
          )}
          {(rules.data?.rules ?? []).map((rule) => (
            <tr key={rule.id} className={rule.enabled ? '' : 'inactive'} data-testid={`rule-${rule.name}`}>
              <td>
                <label className="switch">
                  <input
                    type="checkbox"
                    role="switch"
                    aria-label={t('rev.rule.toggle', { name: rule.name })}
                    checked={rule.enabled}
                    disabled={!manage}
                    onChange={() => void toggle(rule)}
                  />
                  <span className="slider" />
                </label>
              </td>
              <td>
                <KindBadge kind={rule.kind} />
              </td>
              <td>
                {rule.name}
                {rule.note && <div className="hint">{rule.note}</div>}
              </td>
              <td className="rule-what">{ruleText(t, rule, titles)}</td>
              <td className="num">
                {rule.kind === 'bundle' && rule.discount_percent ? (
                  <span className={rule.discount_percent > max ? 'over' : ''} title={rule.discount_percent > max ? t('rev.rule.capped', { max }) : undefined}>
                    %{rule.discount_percent}
                  </span>
                ) : (
                  '–'
                )}
              </td>
              <td className="num">{rule.priority}</td>
              <td className="nowrap">
                {manage && (
                  <>
                    <button type="button" className="link" onClick={() => setEditing({ id: rule.id, draft: draftOf(rule) })}>
                      {t('common.edit')}
                    </button>
                    <button type="button" className="link danger-link" onClick={() => setDeleting(rule)}>
                      {t('common.delete')}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting && (
        <Dialog title={t('rev.rule.deleteTitle', { name: deleting.name })} onClose={() => setDeleting(null)} testId="rule-delete-dialog">
          <p>{t('rev.rule.deleteText')}</p>
          <div className="buttons end">
            <button type="button" onClick={() => setDeleting(null)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="danger" data-testid="rule-delete-confirm" onClick={() => void remove(deleting)}>
              {t('common.delete')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  )
}

export function RuleForm({
  id,
  initial,
  maxDiscount,
  autoDiscount,
  onDone,
  onRefused,
}: {
  id: string | null
  initial: RuleDraft
  maxDiscount: number
  autoDiscount: number
  onDone: () => void | Promise<void>
  /** The API refused the rule (422): the ceiling may have changed, so look again. */
  onRefused?: () => void | Promise<void>
}) {
  const { t } = useI18n()
  const [draft, setDraft] = useState<RuleDraft>(initial)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }))
  const problems = ruleProblems(draft, maxDiscount)
  // A missing name or trigger only keeps Save disabled; the rest is said.
  const said = problems.filter((p) => p !== 'name' && p !== 'trigger')
  const bundle = draft.kind === 'bundle'

  async function save(event: FormEvent) {
    event.preventDefault()
    setError(null)
    setBusy(true)
    const body = specOf(draft)
    const result = id
      ? await api.PUT('/api/revenue/rules/{offer_rule_id}', { params: { path: { offer_rule_id: id } }, body })
      : await api.POST('/api/revenue/rules', { body })
    setBusy(false)
    if (result.error) {
      setError(errorText(result.error))
      await onRefused?.()
      return
    }
    await onDone()
  }

  function toggleTier(tier: Tier) {
    set({
      triggerTiers: draft.triggerTiers.includes(tier)
        ? draft.triggerTiers.filter((x) => x !== tier)
        : [...draft.triggerTiers, tier],
    })
  }

  return (
    <form className="editor-box single" onSubmit={save} aria-label={t('rev.rule.form')} noValidate>
      <div className="editor-fields">
        <h2>{id ? t('rev.rule.edit') : t('rev.rule.new')}</h2>
        <div className="field-row">
          <label className="field grow">
            {t('rev.rule.name')}
            <input
              aria-label={t('rev.rule.name')}
              maxLength={120}
              value={draft.name}
              onChange={(e) => set({ name: e.target.value })}
            />
          </label>
          <label className="field">
            {t('rev.rule.kind')}
            <select
              aria-label={t('rev.rule.kind')}
              value={draft.kind}
              onChange={(e) => set({ kind: e.target.value as RuleDraft['kind'] })}
            >
              {KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {t(`rev.kind.${kind}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field narrow">
            {t('rev.rule.priority')}
            <input
              aria-label={t('rev.rule.priority')}
              type="number"
              min={0}
              max={1000}
              step={1}
              value={draft.priority}
              onChange={(e) => set({ priority: Number(e.target.value) })}
            />
          </label>
        </div>
        <p className="hint">{t(`rev.kindHint.${draft.kind}`)}</p>
        <fieldset className="vars">
          <legend>{t('rev.rule.trigger')}</legend>
          <div className="field-row">
            <label className="field grow">
              {t('rev.rule.products')}
              <input
                aria-label={t('rev.rule.triggerProducts')}
                placeholder="KG-2026, HSK-2026"
                value={draft.triggerProducts}
                onChange={(e) => set({ triggerProducts: e.target.value })}
              />
            </label>
            <label className="field grow">
              {t('rev.rule.categories')}
              <input
                aria-label={t('rev.rule.triggerCategories')}
                placeholder={t('rev.rule.categoriesExample')}
                value={draft.triggerCategories}
                onChange={(e) => set({ triggerCategories: e.target.value })}
              />
            </label>
          </div>
          <div className="check-row" role="group" aria-label={t('rev.rule.tiers')}>
            <span className="muted small">{t('rev.rule.tiers')}</span>
            {TIERS.map((tier) => (
              <label key={tier} className="check-line">
                <input
                  type="checkbox"
                  aria-label={t('rev.rule.triggerTier', { tier: t(`rev.tier.${tier}`) })}
                  checked={draft.triggerTiers.includes(tier)}
                  onChange={() => toggleTier(tier)}
                />
                {t(`rev.tier.${tier}`)}
              </label>
            ))}
          </div>
          <p className="hint">{t('rev.rule.triggerHint')}</p>
        </fieldset>
        <fieldset className="vars">
          <legend>{t('rev.rule.target')}</legend>
          <div className="field-row">
            <label className="field grow">
              {t('rev.rule.products')}
              <input
                aria-label={t('rev.rule.targetProducts')}
                placeholder="HSK-2026"
                value={draft.targetProducts}
                onChange={(e) => set({ targetProducts: e.target.value })}
              />
            </label>
            <label className="field grow">
              {t('rev.rule.categories')}
              <input
                aria-label={t('rev.rule.targetCategories')}
                placeholder={t('rev.rule.targetCategoriesExample')}
                value={draft.targetCategories}
                onChange={(e) => set({ targetCategories: e.target.value })}
              />
            </label>
            <label className="field">
              {t('rev.rule.tier')}
              <select
                aria-label={t('rev.rule.targetTier')}
                value={draft.targetTier}
                onChange={(e) => set({ targetTier: e.target.value as RuleDraft['targetTier'] })}
              >
                <option value="">{t('rev.rule.anyTier')}</option>
                {TIERS.map((tier) => (
                  <option key={tier} value={tier}>
                    {t(`rev.tier.${tier}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label className="check-line">
            <input type="checkbox" checked={draft.sameCategory} onChange={(e) => set({ sameCategory: e.target.checked })} />
            {t('rev.rule.sameCategory')}
          </label>
        </fieldset>
        {bundle && (
          <div className="field-row">
            <label className="field narrow">
              {t('rev.rule.discountPercent')}
              <input
                aria-label={t('rev.rule.discountPercent')}
                type="number"
                min={0}
                max={maxDiscount}
                step={1}
                value={draft.discount}
                aria-invalid={problems.includes('discount')}
                data-testid="rule-discount"
                onChange={(e) => set({ discount: Number(e.target.value) })}
              />
            </label>
            <p className="hint" data-testid="rule-discount-max">
              {maxDiscount > 0 ? t('rev.rule.discountMax', { max: maxDiscount }) : t('rev.rule.noDiscount')}
              {maxDiscount > 0 && autoDiscount < maxDiscount && ` ${t('rev.rule.discountAuto', { auto: autoDiscount })}`}
            </p>
          </div>
        )}
        <label className="field">
          {t('rev.rule.note')}
          <textarea
            aria-label={t('rev.rule.note')}
            rows={2}
            maxLength={1000}
            value={draft.note}
            onChange={(e) => set({ note: e.target.value })}
          />
        </label>
        <label className="check-line">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
          {t('rev.rule.enabled')}
        </label>
        {said.length > 0 && (
          <ul className="form-problems" data-testid="rule-problems">
            {said.map((problem) => (
              <li key={problem} className="warn-line">
                {t(`rev.problem.${problem}`, { max: maxDiscount })}
              </li>
            ))}
          </ul>
        )}
        {error && (
          <p className="error" role="alert" data-testid="rule-error">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={problems.length > 0 || busy} data-testid="rule-save">
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
