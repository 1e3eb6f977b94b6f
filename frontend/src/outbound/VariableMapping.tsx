import { useI18n } from '../i18n'
import { fieldLabel } from '../labels'
import type { VariableSource } from './api'

/** One row per template variable: its value from a field (of the event, or of the recipient)
 * or a fixed text. */
export function VariableMapping({
  variables,
  fields,
  value,
  onChange,
}: {
  variables: string[]
  fields: string[]
  value: Record<string, VariableSource>
  onChange: (next: Record<string, VariableSource>) => void
}) {
  const { t } = useI18n()
  if (variables.length === 0) return <p className="hint">{t('rule.noVariables')}</p>
  const set = (name: string, source: VariableSource) => onChange({ ...value, [name]: source })
  return (
    <table className="mapping" data-testid="variable-mapping">
      <tbody>
        {variables.map((name) => {
          const source = value[name]
          const literal = !!source && source.value !== undefined && source.value !== null
          const choice = literal ? '__value' : (source?.field ?? '')
          return (
            <tr key={name}>
              <td>
                <code className="ph">{name}</code>
              </td>
              <td>
                <select
                  aria-label={t('rule.sourceOf', { name })}
                  value={choice}
                  onChange={(e) =>
                    set(name, e.target.value === '__value' ? { value: '' } : { field: e.target.value })
                  }
                >
                  <option value="" disabled>
                    {t('rule.pick')}
                  </option>
                  {fields.map((field) => (
                    <option key={field} value={field}>
                      {fieldLabel(t, field)}
                    </option>
                  ))}
                  <option value="__value">{t('rule.fixedText')}</option>
                </select>
              </td>
              <td>
                {literal && (
                  <input
                    aria-label={t('rule.textOf', { name })}
                    required
                    value={source.value ?? ''}
                    onChange={(e) => set(name, { value: e.target.value })}
                  />
                )}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
