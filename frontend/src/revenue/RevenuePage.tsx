import { Navigate, NavLink, useParams } from 'react-router'
import { useI18n } from '../i18n'
import { useCanManage } from './api'
import { LinksTab } from './LinksTab'
import { ProductsTab } from './ProductsTab'
import { RulesTab } from './RulesTab'
import { SummaryTab } from './SummaryTab'

const TABS = ['summary', 'products', 'rules', 'links'] as const
type Tab = (typeof TABS)[number]

/** Sales: what the recommendations and payment links brought, the catalogue (the marketplace
 * mirror and the seller's own shop, margin tiers, a CSV import), the offer rules and the payment
 * links. Everyone who works the inbox reads it; owners and admins change it. Each tab has its
 * own address (``/revenue/products``...). */
export function RevenuePage() {
  const { t } = useI18n()
  const manage = useCanManage()
  const { tab } = useParams()
  if (tab !== undefined && !(TABS as readonly string[]).includes(tab)) return <Navigate to="/revenue" replace />
  const current: Tab = (tab as Tab | undefined) ?? 'summary'
  return (
    <div className="page wide revenue-page">
      <div className="page-head">
        <h1>{t('nav.revenue')}</h1>
        <span className="muted">{t('rev.intro')}</span>
        <span className="spacer" />
        {!manage && (
          <span className="tag" data-testid="revenue-read-only">
            {t('rev.readOnly')}
          </span>
        )}
      </div>
      <nav className="revenue-tabs" aria-label={t('nav.revenue')}>
        {TABS.map((name) => (
          <NavLink key={name} to={name === 'summary' ? '/revenue' : `/revenue/${name}`} end data-testid={`revenue-tab-${name}`}>
            {t(`rev.tab.${name}`)}
          </NavLink>
        ))}
      </nav>
      {current === 'summary' && <SummaryTab />}
      {current === 'products' && <ProductsTab />}
      {current === 'rules' && <RulesTab />}
      {current === 'links' && <LinksTab />}
    </div>
  )
}
