import { useState } from 'react'
import { Link } from 'react-router'
import { orRaw, useI18n } from '../i18n'
import { shortTime } from '../lib/format'
import { EmptyRow } from '../outbound/EmptyRow'
import { useLinks, type LinkStatus } from './api'
import { LINK_STATUSES, tl } from './logic'

export function LinkStatusBadge({ status }: { status: string }) {
  const { t } = useI18n()
  return (
    <span className={`badge link-${status}`} data-testid="link-status">
      {orRaw(t, `rev.linkStatus.${status}`, status)}
    </span>
  )
}

/** The payment links sent to customers, newest first: what, how much, where it stands, the
 * conversation it was sent in. */
export function LinksTab() {
  const { t, lang } = useI18n()
  const [status, setStatus] = useState<LinkStatus | ''>('')
  const links = useLinks(status)
  const rows = links.data?.links ?? []
  return (
    <div className="stack">
      <div className="toolbar">
        <label className="field inline">
          {t('rev.links.status')}
          <select aria-label={t('rev.links.status')} value={status} onChange={(e) => setStatus(e.target.value as LinkStatus | '')}>
            <option value="">{t('rev.links.all')}</option>
            {LINK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`rev.linkStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <span className="hint">{t('rev.links.hint')}</span>
      </div>
      {links.isError && (
        <p className="error" role="alert">
          {links.error.message}
        </p>
      )}
      <table className="grid" data-testid="links" aria-busy={links.isFetching}>
        <thead>
          <tr>
            <th>{t('rev.links.status')}</th>
            <th className="num">{t('rev.links.amount')}</th>
            <th>{t('rev.links.description')}</th>
            <th>{t('rev.links.created')}</th>
            <th>{t('rev.links.expires')}</th>
            <th>{t('rev.links.paid')}</th>
            <th>{t('rev.links.conversation')}</th>
            <th>{t('rev.links.url')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <EmptyRow colSpan={8} loading={links.isLoading} text={t('rev.links.none')} />}
          {rows.map((link) => (
            <tr key={link.id} data-testid={`link-${link.reference}`}>
              <td>
                <LinkStatusBadge status={link.status} />
                {link.last_error && <div className="reason">{link.last_error}</div>}
              </td>
              <td className="num nowrap">{tl(link.amount, lang, link.currency)}</td>
              <td>
                {link.description}
                <div className="hint">
                  {orRaw(t, `rev.purpose.${link.purpose}`, link.purpose)} · {orRaw(t, `rev.provider.${link.provider}`, link.provider)} ·{' '}
                  <span className="mono">{link.reference}</span>
                </div>
              </td>
              <td className="nowrap">{shortTime(link.created_at, lang)}</td>
              <td className="nowrap">{link.paid_at ? '–' : shortTime(link.expires_at, lang)}</td>
              <td className="nowrap">{link.paid_at ? shortTime(link.paid_at, lang) : '–'}</td>
              <td>
                {link.conversation_id ? (
                  <Link to={`/inbox/${link.conversation_id}`} data-testid="link-conversation">
                    {t('rev.links.open')}
                  </Link>
                ) : (
                  '–'
                )}
              </td>
              <td>
                {link.url ? (
                  <a href={link.url} target="_blank" rel="noreferrer" className="clip-link" title={link.url}>
                    {t('rev.links.page')}
                  </a>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
