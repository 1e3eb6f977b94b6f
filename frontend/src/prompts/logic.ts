/** The prompt editor's logic, without React: grouping and searching the registry's texts,
 * editing a version's content, variable autocompletion, word diffs and problem messages. */

export type Tone = 'formal' | 'short' | 'warm'
export const TONES: Tone[] = ['formal', 'short', 'warm']

export type Variable = {
  name: string
  type: string
  description: string
  example: Record<string, string>
}

export type PromptKey = {
  key: string
  kind: 'reply' | 'fragment' | 'map' | 'chat'
  description: string
  source: string
  agents: string[]
  variables: Variable[]
  required: string[]
  languages: string[]
  map_keys: string[]
  shipped: Record<string, Record<string, unknown>>
}

export type ToneChoice = { default: Tone; agents?: Record<string, Tone> }
export type Content = { tone?: ToneChoice; texts?: Record<string, Record<string, unknown>> }
export type Problem = { key: string; language: string; message: string; field?: string | null }

export const LANGUAGE_NAMES: Record<string, string> = { tr: 'Türkçe', en: 'English', ar: 'العربية' }

export const EMPTY_CONTENT: Content = { tone: { default: 'formal', agents: {} }, texts: {} }
export const MAX_TEXT = 2000

// --- the list of texts --------------------------------------------------------------------------

export type KeyGroup = { agent: string | null; keys: PromptKey[] }

const KIND_ORDER: PromptKey['kind'][] = ['reply', 'fragment', 'map', 'chat']

/** The keys under each agent that sends them: a key of several agents under each, a key of no
 * agent (the conversation graph's own: greetings, clarifications...) in the general group
 * (``agent: null``), first. ``preferred`` agents come first in their order (a shop's support
 * before its returns), then the others alphabetically; an agent with no key has no group. */
export function groupByAgent(keys: PromptKey[], agents: string[], preferred: string[] = []): KeyGroup[] {
  const all = [...new Set([...agents, ...keys.flatMap((k) => k.agents)])]
  const rank = (agent: string) => {
    const index = preferred.indexOf(agent)
    return index === -1 ? preferred.length : index
  }
  all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  // Replies first, then the words and tables they use, then the LLM's instructions.
  const sorted = [...keys].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))
  const groups: KeyGroup[] = [
    { agent: null, keys: sorted.filter((k) => k.agents.length === 0) },
    ...all.map((agent) => ({ agent, keys: sorted.filter((k) => k.agents.includes(agent)) })),
  ]
  return groups.filter((g) => g.keys.length > 0)
}

/** The agents a business of ``vertical`` meets first. */
export function preferredAgents(vertical: string | undefined): string[] {
  return vertical === 'clinic' ? ['clinic'] : ['support', 'returns', 'b2b', 'followup', 'consent']
}

/** Lower case without Turkish dotted/dotless i trouble or diacritics: "Sipariş" finds
 * "siparis" and "İade" finds "iade". */
export function fold(text: string): string {
  return text
    .replace(/[İI]/g, 'i')
    .toLowerCase()
    .replace(/ı/g, 'i')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
}

/** Every string in a text (a table's values, a chat prompt's messages). */
export function flatText(text: unknown): string {
  if (text === null || text === undefined) return ''
  if (typeof text === 'string') return text
  if (typeof text === 'object') return Object.values(text as Record<string, unknown>).map(flatText).join('\n')
  return String(text)
}

/** Does ``key`` match the search (its name, description, a shipped text in any tone and
 * language, or the version's own text)? Every word of ``query`` must be found. */
export function matches(key: PromptKey, query: string, content: Content): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean)
  if (words.length === 0) return true
  const haystack = fold(
    [
      key.key,
      key.key.replace(/_/g, ' '),
      key.description,
      ...Object.values(key.shipped).flatMap((byLang) => Object.values(byLang).map(flatText)),
      ...Object.values(content.texts ?? {}).map((texts) => flatText(texts[key.key])),
    ].join('\n'),
  )
  return words.every((word) => haystack.includes(word))
}

const GENERAL_SAMPLES = ['greeting', 'thanks', 'handoff_after_hours']

/** A few texts to read a tone by: the general ones for the default tone, an agent's own replies
 * for its tone. */
export function sampleKeys(keys: PromptKey[], agent: string | null, count: number): PromptKey[] {
  const replies = keys.filter((k) => k.kind === 'reply')
  if (agent === null) {
    const named = GENERAL_SAMPLES.map((name) => replies.find((k) => k.key === name)).filter(
      (k): k is PromptKey => k !== undefined,
    )
    const rest = replies.filter((k) => k.agents.length === 0 && !named.includes(k))
    return [...named, ...rest].slice(0, count)
  }
  return replies.filter((k) => k.agents.includes(agent)).slice(0, count)
}

// --- a version's content ------------------------------------------------------------------------

export function ownText(content: Content, language: string, key: string): unknown {
  return content.texts?.[language]?.[key]
}

/** ``content`` with ``key`` in ``language`` set to ``text`` (``undefined``: no own text, the
 * shipped one is used). A language left without texts is dropped. */
export function withText(content: Content, language: string, key: string, text: unknown): Content {
  const texts = { ...(content.texts ?? {}) }
  const inLanguage = { ...(texts[language] ?? {}) }
  if (text === undefined) delete inLanguage[key]
  else inLanguage[key] = text
  if (Object.keys(inLanguage).length) texts[language] = inLanguage
  else delete texts[language]
  return { ...content, texts }
}

/** ``content`` with the default tone (``agent`` null) or an agent's tone set (``tone`` null: the
 * agent follows the default). */
export function withTone(content: Content, agent: string | null, tone: Tone | null): Content {
  const current = content.tone ?? { default: 'formal' as Tone, agents: {} }
  if (agent === null) return { ...content, tone: { ...current, default: tone ?? 'formal' } }
  const agents = { ...(current.agents ?? {}) }
  if (tone === null) delete agents[agent]
  else agents[agent] = tone
  return { ...content, tone: { ...current, agents } }
}

/** The tone a key is written in: its (first) agent's tone, else the default. */
export function toneOf(content: Content, agents: string[]): Tone {
  const tone = content.tone ?? { default: 'formal' as Tone }
  for (const agent of agents) {
    const own = tone.agents?.[agent]
    if (own) return own
  }
  return tone.default ?? 'formal'
}

/** The keys that have an own text in some language. */
export function overriddenKeys(content: Content): Set<string> {
  const keys = new Set<string>()
  for (const texts of Object.values(content.texts ?? {})) for (const key of Object.keys(texts)) keys.add(key)
  return keys
}

/** The languages in which ``key`` has an own text. */
export function overriddenLanguages(content: Content, key: string): string[] {
  return Object.entries(content.texts ?? {})
    .filter(([, texts]) => key in texts)
    .map(([language]) => language)
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    )
  return value
}

/** Two contents that would be stored the same (key order and empty languages aside). */
export function sameContent(a: Content, b: Content): boolean {
  const norm = (c: Content) => ({
    tone: { default: c.tone?.default ?? 'formal', agents: c.tone?.agents ?? {} },
    texts: Object.fromEntries(Object.entries(c.texts ?? {}).filter(([, t]) => Object.keys(t).length)),
  })
  return JSON.stringify(canonical(norm(a))) === JSON.stringify(canonical(norm(b)))
}

/** The text the editor starts from for a table (``map``) or a chat prompt when the version has
 * none yet: the shipped one, so that one changed entry keeps the others. */
export function withEntry(own: unknown, shipped: unknown, entry: string, value: string): Record<string, string> {
  const base = (own && typeof own === 'object' ? own : shipped && typeof shipped === 'object' ? shipped : {}) as Record<
    string,
    string
  >
  return { ...base, [entry]: value }
}

/** A text shown as one string: a table as "code: words" lines, a chat prompt's messages. */
export function displayText(text: unknown): string {
  if (text === null || text === undefined) return ''
  if (typeof text === 'string') return text
  if (typeof text === 'object') {
    const entries = Object.entries(text as Record<string, unknown>)
    if (entries.every(([name]) => name === 'system' || name === 'human'))
      return entries.map(([role, part]) => `[${role}]\n${String(part)}`).join('\n\n')
    return entries.map(([name, value]) => `${name}: ${String(value)}`).join('\n')
  }
  return String(text)
}

/** A text with its variables replaced by their example values in ``language`` (unknown names are
 * left as they are). */
export function renderExample(text: string, variables: Variable[], language: string): string {
  const values = new Map(variables.map((v) => [v.name, v.example[language] ?? v.example.tr ?? `<${v.name}>`]))
  return text.replace(/\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}/g, (whole, name?: string) => {
    if (whole === '{{') return '{'
    if (whole === '}}') return '}'
    return name && values.has(name) ? values.get(name)! : whole
  })
}

/** The variable names a text uses (``{{`` and ``}}`` are literal braces). */
export function placeholders(text: string): Set<string> {
  const names = new Set<string>()
  const found = text.replace(/\{\{|\}\}/g, '').matchAll(/\{([^{}]*)\}/g)
  for (const match of found) if (match[1]) names.add(match[1])
  return names
}

// --- variable autocompletion --------------------------------------------------------------------

const NAME_CHARS = /[A-Za-z0-9_]/

/** The placeholder being typed at ``cursor``: the ``{`` it starts at and what follows it up to
 * the cursor (``{ord|`` → start of ``{``, query ``ord``); null when the cursor is not right after
 * a ``{`` and name characters, or the brace is a literal ``{{``. */
export function autocompleteAt(text: string, cursor: number): { start: number; query: string } | null {
  let i = cursor
  while (i > 0 && NAME_CHARS.test(text[i - 1])) i -= 1
  if (i === 0 || text[i - 1] !== '{') return null
  const start = i - 1
  // "{{" is a literal brace in a text, not a variable.
  let braces = 0
  for (let j = start; j >= 0 && text[j] === '{'; j -= 1) braces += 1
  if (braces % 2 === 0) return null
  return { start, query: text.slice(i, cursor) }
}

/** The variables whose name (first) or description has ``query`` in it: names that start with it
 * first, then names containing it, then descriptions (for a query of three letters or more). */
export function filterVariables(variables: Variable[], query: string): Variable[] {
  const q = fold(query)
  if (!q) return variables
  const starts = variables.filter((v) => fold(v.name).startsWith(q))
  const contains = variables.filter((v) => !starts.includes(v) && fold(v.name).includes(q))
  // Descriptions only from three letters on: one or two letters are in most descriptions.
  const described =
    q.length < 3
      ? []
      : variables.filter((v) => !starts.includes(v) && !contains.includes(v) && fold(v.description).includes(q))
  return [...starts, ...contains, ...described]
}

/** ``text`` with ``{name}`` in place of the placeholder typed from ``start`` (its ``{``) to
 * ``cursor`` (and the rest of a name and its ``}`` right after the cursor, when the cursor was
 * inside an existing placeholder); the cursor goes after the ``}``. */
export function insertVariable(
  text: string,
  start: number,
  cursor: number,
  name: string,
): { text: string; cursor: number } {
  let end = cursor
  while (end < text.length && NAME_CHARS.test(text[end])) end += 1
  if (text[end] === '}') end += 1
  else end = cursor
  const inserted = `{${name}}`
  return { text: text.slice(0, start) + inserted + text.slice(end), cursor: start + inserted.length }
}

/** ``text`` with ``{name}`` put over the selection ``[from, to)`` (a chip clicked). */
export function insertAt(text: string, from: number, to: number, name: string): { text: string; cursor: number } {
  const inserted = `{${name}}`
  return { text: text.slice(0, from) + inserted + text.slice(to), cursor: from + inserted.length }
}

// --- word diff ----------------------------------------------------------------------------------

export type DiffPart = { op: 'same' | 'add' | 'del'; text: string }

function tokens(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? []
}

/** The word-level difference of two texts (longest common subsequence of words and spaces);
 * consecutive parts of the same kind are merged. */
export function wordDiff(before: string, after: string): DiffPart[] {
  const a = tokens(before)
  const b = tokens(after)
  // Common head and tail first: most edits change a few words of a long text.
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1
  const midA = a.slice(head, a.length - tail)
  const midB = b.slice(head, b.length - tail)
  const n = midA.length
  const m = midB.length
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i -= 1)
    for (let j = m - 1; j >= 0; j -= 1)
      lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  const parts: DiffPart[] = []
  const push = (op: DiffPart['op'], text: string) => {
    const last = parts[parts.length - 1]
    if (last && last.op === op) last.text += text
    else parts.push({ op, text })
  }
  a.slice(0, head).forEach((t) => push('same', t))
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (midA[i] === midB[j]) {
      push('same', midA[i])
      i += 1
      j += 1
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) push('del', midA[i++])
    else push('add', midB[j++])
  }
  while (i < n) push('del', midA[i++])
  while (j < m) push('add', midB[j++])
  a.slice(a.length - tail).forEach((t) => push('same', t))
  return parts
}

// --- problems -----------------------------------------------------------------------------------

type T = (key: string, vars?: Record<string, string | number>) => string

/** A problem the API found, in the UI's language (the API's English when it is not one of the
 * known kinds). */
export function problemText(t: T, problem: Problem): string {
  const message = problem.message
  let m = /^unknown variable \{([^}]*)\}(?:; this text knows (.*))?$/.exec(message)
  if (m) return m[2] ? t('prompts.problem.unknownKnows', { name: m[1], known: m[2] }) : t('prompts.problem.unknown', { name: m[1] })
  m = /^missing variable \{([^}]*)\}: it is required$/.exec(message)
  if (m) return t('prompts.problem.missing', { name: m[1] })
  m = /^broken placeholder: (.*)$/.exec(message)
  if (m) return t('prompts.problem.broken', { detail: m[1] })
  m = /^at most (\d+) characters \((\d+) given\)$/.exec(message)
  if (m) return t('prompts.problem.tooLong', { max: m[1], n: m[2] })
  if (message === 'the text cannot be empty') return t('prompts.problem.empty')
  if (message === 'an entry cannot be empty') return t('prompts.problem.entryEmpty', { entry: problem.field ?? '' })
  if (message === 'an entry takes no variables') return t('prompts.problem.entryVariables', { entry: problem.field ?? '' })
  if (message === 'at most 200 characters') return t('prompts.problem.entryTooLong', { entry: problem.field ?? '' })
  return message
}

/** A variable's type in words ("metin", "tarih"...); an unknown type as it is. */
export function typeLabel(t: T, type: string): string {
  const label = t(`prompts.type.${type}`)
  return label === `prompts.type.${type}` ? type : label
}

/** The problems of one key in one language. */
export function problemsOf(problems: Problem[], key: string, language: string): Problem[] {
  return problems.filter((p) => p.key === key && p.language === language)
}

/** The 422 answer of a save: ``{detail: {message, problems}}``; null for another error. */
export function problemsFromError(error: unknown): Problem[] | null {
  if (!error || typeof error !== 'object') return null
  const detail = (error as { detail?: unknown }).detail
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return null
  const problems = (detail as { problems?: unknown }).problems
  return Array.isArray(problems) ? (problems as Problem[]) : null
}

// --- the gate -----------------------------------------------------------------------------------

export type GateCheck = { name?: string; expected?: unknown; actual?: unknown }
export type GateTurn = { turn: number; customer?: string | null; reply?: string | null; checks: GateCheck[] }
export type GateFailure = { id: string; tenant?: string | null; language?: string | null; turns: GateTurn[] }
export type GateReport = {
  passed?: boolean
  reasons?: string[]
  cases?: number
  cases_passed?: number
  shipped_cases_passed?: number
  failures?: GateFailure[]
  failures_total?: number
  seconds?: number
  error?: string
  started_at?: string
}

export type GatePhase = 'running' | 'passed' | 'refused' | 'error' | null

/** What the gate says about a version: running while it is ``gating``; its verdict once
 * ``active``/``archived`` (passed) or ``refused``; ``error`` when a draft came back from a gate
 * that could not run. */
export function gatePhase(version: { status: string; gate?: Record<string, unknown> | null }): GatePhase {
  const gate = (version.gate ?? null) as GateReport | null
  if (version.status === 'gating') return 'running'
  if (version.status === 'refused') return 'refused'
  if (version.status === 'draft') return gate?.error ? 'error' : null
  if ((version.status === 'active' || version.status === 'archived') && gate?.passed) return 'passed'
  return null
}

/** An expected or actual value of a check, as one line. */
export function checkValue(value: unknown): string {
  if (value === null || value === undefined) return '–'
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/** The gate's reason for a refusal, in the UI's language (the API's English for another). */
export function reasonText(t: T, reason: string): string {
  let m = /^(\d+) case\(s\) that pass with the shipped texts fail with this version$/.exec(reason)
  if (m) return t('prompts.reason.cases', { n: m[1] })
  m = /^(\d+) reply\(s\) leak personal data$/.exec(reason)
  if (m) return t('prompts.reason.pii', { n: m[1] })
  m = /^(\d+) turn\(s\) timed out$/.exec(reason)
  if (m) return t('prompts.reason.timeouts', { n: m[1] })
  return reason
}

// --- versions -----------------------------------------------------------------------------------

type Listed = { number: number; status: string }

/** The version the page opens with: the newest one still in the works (a draft, a refused one,
 * one being gated), else the live one (0: the shipped texts). */
export function defaultVersion(list: { active: number; versions: Listed[] } | undefined): number | null {
  if (!list) return null
  const working = list.versions.find((v) => ['draft', 'refused', 'gating'].includes(v.status))
  return working ? working.number : list.active
}
