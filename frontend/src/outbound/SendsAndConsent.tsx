import { useQuery } from '@tanstack/react-query'
import { api } from '../api/client'
import { orRaw, useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import { unwrap } from './api'

/** The last sends of a campaign: who, which variant, where each one is (scheduled → read). */
export function CampaignSends({ campaignId, status }: { campaignId: string; status: string }) {
  const { t, lang } = useI18n()
  const sends = useQuery({
    queryKey: ['outbound', 'campaigns', campaignId, 'sends', status],
    queryFn: async () =>
      unwrap(await api.GET('/api/outbound/sends', { params: { query: { campaign: campaignId, limit: 20 } } })),
    refetchInterval: status === 'running' ? 5000 : false,
  })
  const page = sends.data
  if (!page || page.total === 0) return null
  return (
    <details className="sends">
      <summary>{t('send.title', { n: page.total })}</summary>
      <table className="grid" data-testid="campaign-sends">
        <thead>
          <tr>
            <th>{t('send.customer')}</th>
            <th>{t('camp.variant')}</th>
            <th>{t('send.status')}</th>
            <th>{t('send.due')}</th>
            <th>{t('send.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((send) => (
            <tr key={send.id}>
              <td>
                {send.customer_name || '–'} <span className="muted mono">{send.customer_phone}</span>
              </td>
              <td>
                {send.variant ?? '–'} <span className="muted mono">{send.template_name}</span>
              </td>
              <td>{orRaw(t, `sendStatus.${send.delivery ?? send.status}`, send.delivery ?? send.status)}</td>
              <td className="muted">{shortTime(send.sent_at ?? send.due_at, lang)}</td>
              <td className="muted small">{send.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  )
}

/** Customers who stopped marketing messages now: since when and how (a keyword, WhatsApp's own
 * button, Meta's 131050, an agent). */
export function OptOuts() {
  const { t, lang } = useI18n()
  const consent = useQuery({
    queryKey: ['outbound', 'consent', 'opted-out'],
    queryFn: async () => unwrap(await api.GET('/api/outbound/consent', { params: { query: { opted_out: true, limit: 50 } } })),
  })
  const page = consent.data
  return (
    <section className="stack" data-testid="opt-outs">
      <h2>{t('consent.title')}</h2>
      <p className="hint">{t('consent.hint')}</p>
      {page && page.items.length > 0 ? (
        <table className="grid">
          <thead>
            <tr>
              <th>{t('send.customer')}</th>
              <th>{t('consent.source')}</th>
              <th>{t('consent.at')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((item) => (
              <tr key={item.id}>
                <td>
                  {item.customer_name || '–'} <span className="muted mono">{item.customer_phone}</span>
                </td>
                <td>
                  {orRaw(t, `consentSource.${item.source}`, item.source)}
                  {item.detail && <span className="muted small"> · {item.detail}</span>}
                </td>
                <td className="muted">{shortTime(item.at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{consent.isLoading ? t('common.loading') : t('consent.none')}</p>
      )}
      {page && page.total > page.items.length && <p className="hint">{t('consent.more', { n: page.total })}</p>}
    </section>
  )
}
