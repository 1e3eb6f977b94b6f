import { useI18n } from '../i18n'
import { fieldLabel } from '../labels'
import { CONDITION_OPS, type Clause } from './logic'

/** "Only when ...": one row per clause, every clause must hold. */
export function ConditionEditor({
  fields,
  clauses,
  onChange,
}: {
  fields: string[]
  clauses: Clause[]
  onChange: (next: Clause[]) => void
}) {
  const { t } = useI18n()
  const set = (index: number, patch: Partial<Clause>) =>
    onChange(clauses.map((c, i) => (i === index ? { ...c, ...patch } : c)))
  return (
    <fieldset className="vars" data-testid="condition-editor">
      <legend>{t('rule.condition')}</legend>
      {clauses.length === 0 && <p className="hint">{t('rule.noCondition')}</p>}
      {clauses.map((clause, index) => (
        <div className="field-row" key={index}>
          <select aria-label={t('rule.conditionField')} value={clause.field} onChange={(e) => set(index, { field: e.target.value })}>
            {[...new Set([...fields, clause.field])].filter(Boolean).map((field) => (
              <option key={field} value={field}>
                {fieldLabel(t, field)}
              </option>
            ))}
          </select>
          <select aria-label={t('rule.conditionOp')} value={clause.op} onChange={(e) => set(index, { op: e.target.value })}>
            {CONDITION_OPS.map((op) => (
              <option key={op} value={op}>
                {t(`op.${op}`)}
              </option>
            ))}
          </select>
          {clause.op !== 'exists' && (
            <input
              aria-label={t('rule.conditionValue')}
              className="grow"
              value={Array.isArray(clause.value) ? clause.value.join(', ') : String(clause.value ?? '')}
              onChange={(e) => set(index, { value: e.target.value })}
            />
          )}
          <button
            type="button"
            className="link danger-link"
            aria-label={t('common.delete')}
            onClick={() => onChange(clauses.filter((_, i) => i !== index))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        disabled={clauses.length >= 10 || fields.length === 0}
        onClick={() => onChange([...clauses, { field: fields[0] ?? '', op: 'eq', value: '' }])}
      >
        + {t('rule.addCondition')}
      </button>
    </fieldset>
  )
}
