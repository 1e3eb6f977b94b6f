import { useQuery } from '@tanstack/react-query'
import { api, errorText, type Schemas } from '../api/client'

export type TemplatePublic = Schemas['TemplatePublic']
export type TemplateSpec = Schemas['TemplateSpec']
export type RulePublic = Schemas['RulePublic']
export type RuleIn = Schemas['RuleIn']
export type TriggerPublic = Schemas['TriggerPublic']
export type CampaignPublic = Schemas['CampaignPublic']
export type CampaignIn = Schemas['CampaignIn']
export type CampaignStats = Schemas['CampaignStats']
export type VariantStats = Schemas['VariantStats']
export type Audience = Schemas['Audience']
export type AudiencePreview = Schemas['AudiencePreview']
export type VariableSource = Schemas['VariableSource']

/** Who may change templates, rules and campaigns (everyone else reads). */
export const MANAGERS = ['owner', 'admin']

/** Throw the API's reason, so react-query shows it. */
export function unwrap<T>(result: { data?: T; error?: unknown }): T {
  if (result.error !== undefined || result.data === undefined) throw new Error(errorText(result.error))
  return result.data
}

export function useTemplates() {
  return useQuery({
    queryKey: ['outbound', 'templates'],
    queryFn: async () => unwrap(await api.GET('/api/outbound/templates')),
    // Meta's verdict arrives by webhook: look again while one is waiting for it.
    refetchInterval: (query) => (query.state.data?.some((t) => t.status === 'PENDING') ? 2000 : false),
  })
}

export function useTriggers() {
  return useQuery({
    queryKey: ['outbound', 'triggers'],
    queryFn: async () => unwrap(await api.GET('/api/outbound/triggers')),
    staleTime: 5 * 60_000,
  })
}

export function useRules() {
  return useQuery({
    queryKey: ['outbound', 'rules'],
    queryFn: async () => unwrap(await api.GET('/api/outbound/rules')),
  })
}

export function useCampaigns() {
  return useQuery({
    queryKey: ['outbound', 'campaigns'],
    queryFn: async () => unwrap(await api.GET('/api/outbound/campaigns')),
  })
}

/** The variable names of every template called ``name`` (all its languages), in order. */
export function variablesOf(templates: TemplatePublic[], name: string): string[] {
  const names: string[] = []
  for (const template of templates) {
    if (template.name !== name) continue
    for (const variable of template.variables) if (!names.includes(variable.name)) names.push(variable.name)
  }
  return names
}

/** Template names, once each (a name has a row per language). */
export function templateNames(templates: TemplatePublic[]): string[] {
  return [...new Set(templates.map((t) => t.name))].sort()
}
