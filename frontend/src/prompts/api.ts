import { useQuery } from '@tanstack/react-query'
import { api, errorText, type Schemas } from '../api/client'
import type { Content, Problem, PromptKey, Tone } from './logic'

export type VersionSummary = Schemas['VersionSummary']
export type VersionPublic = Schemas['VersionPublic']
export type VersionList = Schemas['VersionList']
export type PreviewRow = Schemas['PreviewRow']
export type PromptEvent = Schemas['invekto__api__routes__prompts__EventPublic']
export type Registry = { languages: string[]; tones: Tone[]; agents: string[]; keys: PromptKey[] }
export type VersionStatus = VersionSummary['status']

export type TextChange = {
  kind: 'text'
  key: string
  language: string
  before: unknown
  after: unknown
  reverted: boolean
}
export type ToneChange = { kind: 'tone'; agent: string | null; before: Tone; after: Tone }
export type Change = TextChange | ToneChange

/** Who may publish a version or roll back to one (``prompts.edit``); everyone else suggests
 * drafts. */
export const PUBLISHERS = ['owner', 'admin', 'prompt_owner']

/** The version statuses whose content may still change. */
export const EDITABLE: VersionStatus[] = ['draft', 'refused']

/** Throw the API's reason, so react-query shows it. */
export function unwrap<T>(result: { data?: T; error?: unknown }): T {
  if (result.error !== undefined || result.data === undefined) throw new Error(errorText(result.error))
  return result.data
}

/** The text of an error answer, the 422 of a save (``{message, problems}``) included. */
export function failureText(error: unknown): string {
  const detail = error && typeof error === 'object' ? (error as { detail?: unknown }).detail : undefined
  if (detail && typeof detail === 'object' && !Array.isArray(detail) && 'message' in detail)
    return String((detail as { message: unknown }).message)
  return errorText(error)
}

export const KEYS = {
  registry: ['prompts', 'registry'] as const,
  versions: ['prompts', 'versions'] as const,
  version: (n: number) => ['prompts', 'version', n] as const,
  events: ['prompts', 'events'] as const,
}

export function useRegistry() {
  return useQuery({
    queryKey: KEYS.registry,
    queryFn: async () => unwrap(await api.GET('/api/prompts/registry')) as unknown as Registry,
    staleTime: 30 * 60_000,
  })
}

export function useVersions(pollMs: number) {
  return useQuery({
    queryKey: KEYS.versions,
    queryFn: async () => unwrap(await api.GET('/api/prompts/versions')),
    // A gate decides in the background: look again while one runs.
    refetchInterval: (query) => (query.state.data?.versions.some((v) => v.status === 'gating') ? pollMs : false),
  })
}

/** One version with its content, diff and gate report; polled every ``pollMs`` while its gate
 * runs. Version 0 (the shipped texts) has no row: it is built here. */
export function useVersion(number: number | null, pollMs: number) {
  return useQuery({
    queryKey: KEYS.version(number ?? -1),
    enabled: number !== null && number > 0,
    queryFn: async () =>
      unwrap(await api.GET('/api/prompts/versions/{number}', { params: { path: { number: number! } } })),
    refetchInterval: (query) => (query.state.data?.status === 'gating' ? pollMs : false),
  })
}

export function useEvents(enabled: boolean) {
  return useQuery({
    queryKey: KEYS.events,
    enabled,
    queryFn: async () => unwrap(await api.GET('/api/prompts/events', { params: { query: { limit: 200 } } })),
  })
}

export async function validate(content: Content, signal?: AbortSignal) {
  const { data } = await api.POST('/api/prompts/validate', { body: { content } as never, signal })
  return data as { problems: Problem[]; diff: Change[] } | undefined
}

export async function sample(
  body: { key: string; language: string; tone?: Tone; text?: unknown },
  signal?: AbortSignal,
) {
  const { data } = await api.POST('/api/prompts/sample', { body: body as never, signal })
  return data as { text: string; problems: Problem[]; values: Record<string, string> } | undefined
}
