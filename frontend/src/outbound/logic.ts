/** The outbound pages' logic without React: template rendering, delays, audience counts. */

/** Where a template variable's value comes from (the API's ``VariableSource``). */
export type Source = { field?: string | null; value?: string | null; default?: string | null }

export type VariableType = 'text' | 'number' | 'date' | 'currency'
export type TemplateVariable = { name: string; type: VariableType; example: string }
export type TemplateButton = {
  type: 'quick_reply' | 'url'
  text: string
  payload?: string | null
  url?: string | null
}
export type TemplateDraft = {
  name: string
  language: 'tr' | 'en' | 'ar'
  category: 'UTILITY' | 'MARKETING' | 'AUTHENTICATION'
  parameter_format: 'POSITIONAL' | 'NAMED'
  variables: TemplateVariable[]
  header: string
  body: string
  footer: string
  buttons: TemplateButton[]
}

export const EMPTY_TEMPLATE: TemplateDraft = {
  name: '',
  language: 'tr',
  category: 'UTILITY',
  parameter_format: 'POSITIONAL',
  variables: [],
  header: '',
  body: '',
  footer: '',
  buttons: [],
}

/** How a variable is written in the template's text: ``{{1}}`` (positional) or ``{{name}}``. */
export function placeholder(draft: Pick<TemplateDraft, 'parameter_format' | 'variables'>, index: number): string {
  if (draft.parameter_format === 'NAMED') return `{{${draft.variables[index]?.name ?? ''}}}`
  return `{{${index + 1}}}`
}

/** ``text`` with its ``{{1}}`` / ``{{name}}`` placeholders filled from ``values`` (by variable
 * name); a placeholder without a value stays visible, as the customer would never see it. */
export function fill(
  text: string,
  draft: Pick<TemplateDraft, 'parameter_format' | 'variables'>,
  values: Record<string, string>,
): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, key: string) => {
    let variable: TemplateVariable | undefined
    if (draft.parameter_format === 'NAMED') variable = draft.variables.find((v) => v.name === key)
    else if (/^\d+$/.test(key)) variable = draft.variables[Number(key) - 1]
    if (!variable) return whole
    const value = values[variable.name]
    return value === undefined || value === '' ? whole : value
  })
}

/** The examples of a draft's variables, by name. */
export function examples(draft: Pick<TemplateDraft, 'variables'>): Record<string, string> {
  return Object.fromEntries(draft.variables.map((v) => [v.name, v.example]))
}

/** Placeholders the text uses that name no variable (``{{3}}`` with two variables). */
export function unknownPlaceholders(
  draft: Pick<TemplateDraft, 'parameter_format' | 'variables' | 'header' | 'body' | 'footer'>,
): string[] {
  const found = new Set<string>()
  for (const text of [draft.header, draft.body]) {
    for (const match of text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) {
      const key = match[1]
      const known =
        draft.parameter_format === 'NAMED'
          ? draft.variables.some((v) => v.name === key)
          : /^\d+$/.test(key) && Number(key) >= 1 && Number(key) <= draft.variables.length
      if (!known) found.add(match[0])
    }
  }
  return [...found]
}

/** Variables the texts never use. */
export function unusedVariables(
  draft: Pick<TemplateDraft, 'parameter_format' | 'variables' | 'header' | 'body'>,
): string[] {
  const text = `${draft.header}\n${draft.body}`
  return draft.variables
    .filter((_, i) => !text.includes(placeholder(draft, i)))
    .map((v) => v.name)
}

/** The name rule Meta has for templates: lower case letters, digits and underscores. */
export const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/

/** What is typed into a name field, as a name Meta accepts while typing: Turkish letters
 * folded, lower case, anything else an underscore ("Sipariş Kargo" → "siparis_kargo"). */
export function nameInput(text: string): string {
  return fold(text).replace(/[^a-z0-9_]/g, '_').slice(0, 512)
}

function fold(text: string): string {
  return text
    .replace(/İ/g, 'i')
    .replace(/I/g, 'ı')
    .toLowerCase()
    .replace(/ı/g, 'i')
    .replace(/ş/g, 's')
    .replace(/ğ/g, 'g')
    .replace(/ü/g, 'u')
    .replace(/ö/g, 'o')
    .replace(/ç/g, 'c')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
}

/** "Sipariş kargoda!" → "siparis_kargoda" (a name Meta accepts). */
export function slug(text: string): string {
  return fold(text)
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 512)
}

export type DelayUnit = 'minutes' | 'hours' | 'days'
const UNIT_MINUTES: Record<DelayUnit, number> = { minutes: 1, hours: 60, days: 1440 }
export const MAX_DELAY_MINUTES = 60 * 1440

/** A delay in minutes as the largest whole unit: 4320 → 3 days, 90 → 90 minutes. */
export function splitDelay(minutes: number): { amount: number; unit: DelayUnit } {
  if (minutes > 0 && minutes % 1440 === 0) return { amount: minutes / 1440, unit: 'days' }
  if (minutes > 0 && minutes % 60 === 0) return { amount: minutes / 60, unit: 'hours' }
  return { amount: minutes, unit: 'minutes' }
}

export function toMinutes(amount: number, unit: DelayUnit): number {
  return Math.round(amount * UNIT_MINUTES[unit])
}

/** A datetime-local input's value (the browser's zone) as an ISO time with its offset. */
export function localToIso(value: string): string | null {
  if (!value) return null
  const at = new Date(value)
  return Number.isNaN(at.getTime()) ? null : at.toISOString()
}

/** "vip, b2b ,, yeni" → ["vip", "b2b", "yeni"] */
export function splitTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))]
}

export type Rate = { value: number; of: number }

/** ``part / whole`` as a percentage text (``–`` for nothing to divide by). */
export function ratio(part: number, whole: number): string {
  if (!whole) return '–'
  return `${((part / whole) * 100).toFixed(1).replace(/\.0$/, '')}%`
}

/** Money in TL, two decimals, in the UI's locale. */
export function money(value: number | null | undefined, localeName: string): string {
  if (value === null || value === undefined) return '–'
  return `${value.toLocaleString(localeName, { minimumFractionDigits: 2, maximumFractionDigits: 2 })} TL`
}

/** Which state buttons a campaign in ``status`` shows. */
export function campaignActions(status: string): ('schedule' | 'launch' | 'pause' | 'resume' | 'cancel' | 'edit' | 'delete')[] {
  switch (status) {
    case 'draft':
      return ['edit', 'schedule', 'launch', 'delete']
    case 'scheduled':
      return ['launch', 'pause', 'cancel']
    case 'running':
      return ['pause', 'cancel']
    case 'paused':
      return ['resume', 'cancel']
    default:
      return []
  }
}

/** Whether every variable has a source (a field, or a non-empty text). */
export function mappingComplete(variables: string[], value: Record<string, Source>): boolean {
  return variables.every((name) => {
    const source = value[name]
    return !!source && (!!source.field || (source.value !== undefined && source.value !== null && source.value !== ''))
  })
}

/** Only the variables the template has (a template change drops the others). */
export function keepMapped(variables: string[], value: Record<string, Source>): Record<string, Source> {
  return Object.fromEntries(Object.entries(value).filter(([name]) => variables.includes(name)))
}

const OPS: Record<string, string> = { eq: '=', ne: '≠', lt: '<', lte: '≤', gt: '>', gte: '≥', in: '∈', contains: '∋' }

/** A rule's condition (``{"all": [{field, op, value}]}``) as one line: "rating ≤ 2, category = Ayakkabı". */
export function conditionText(
  condition: unknown,
  label: (field: string) => string = (f) => f,
  opLabel: (op: string) => string = (op) => OPS[op] ?? (op === 'exists' ? '✓' : op),
): string {
  const clauses = (condition as { all?: unknown } | null)?.all
  if (!Array.isArray(clauses)) return ''
  return clauses
    .map((clause) => {
      const { field, op, value } = (clause ?? {}) as { field?: string; op?: string; value?: unknown }
      if (!field || !op) return ''
      if (op === 'exists') return `${label(field)} ${opLabel(op)}`
      const shown = Array.isArray(value) ? value.join(' | ') : String(value ?? '')
      return `${label(field)} ${opLabel(op)} ${shown}`
    })
    .filter(Boolean)
    .join(', ')
}

export type Clause = { field: string; op: string; value?: unknown }
/** The comparisons a condition clause may use (``invekto.outbound.events.OPS``). */
export const CONDITION_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'in', 'exists'] as const

/** The clauses of ``{"all": [...]}`` (an empty condition: none). */
export function clausesOf(condition: unknown): Clause[] {
  const all = (condition as { all?: unknown } | null)?.all
  return Array.isArray(all) ? (all.filter((c) => c && typeof c === 'object') as Clause[]) : []
}

/** The condition the API takes: ``{}`` without clauses; a number typed for a comparison is sent
 * as a number, ``in`` takes a comma-separated list. */
export function conditionOf(clauses: Clause[]): Record<string, unknown> {
  if (clauses.length === 0) return {}
  return {
    all: clauses.map(({ field, op, value }) => {
      if (op === 'exists') return { field, op }
      const text = Array.isArray(value) ? value.join(', ') : String(value ?? '')
      if (op === 'in') return { field, op, value: text.split(',').map((v) => v.trim()).filter(Boolean) }
      if (['lt', 'lte', 'gt', 'gte'].includes(op) && text.trim() !== '' && !Number.isNaN(Number(text)))
        return { field, op, value: Number(text) }
      return { field, op, value: text }
    }),
  }
}

