import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { api, errorText } from '../api/client'
import { orRaw, useI18n } from '../i18n'
import { EmptyRow } from '../outbound/EmptyRow'
import { KEYS, useCanManage, useProducts, type Product, type Tier } from './api'
import { ImportBox } from './ImportBox'
import { TIERS, tl } from './logic'

const PAGE = 50

/** ``value``, once it stopped changing for ``ms``. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms)
    return () => window.clearTimeout(timer)
  }, [value, ms])
  return settled
}

export function ProviderBadge({ provider }: { provider: string }) {
  const { t } = useI18n()
  return (
    <span className={`badge prov-${provider}`} data-testid="provider">
      {orRaw(t, `rev.provider.${provider}`, provider)}
    </span>
  )
}

/** The catalogue: the marketplace mirror and the seller's own shop, by title; managers set each
 * product's margin tier here and import a CSV. */
export function ProductsTab() {
  const { t, lang } = useI18n()
  const manage = useCanManage()
  const queryClient = useQueryClient()
  const [query, setQuery] = useState('')
  const q = useDebounced(query.trim(), 250)
  const [page, setPage] = useState(0)
  const products = useProducts(q, PAGE, page * PAGE)
  const [error, setError] = useState<string | null>(null)
  const rows = products.data?.products ?? []
  const total = products.data?.total ?? 0
  const pages = Math.max(1, Math.ceil(total / PAGE))

  async function setTier(product: Product, tier: Tier) {
    setError(null)
    const { error: failure } = await api.PATCH('/api/revenue/products/{product_main_id}', {
      params: { path: { product_main_id: product.product_main_id } },
      body: { margin_tier: tier },
    })
    if (failure) setError(errorText(failure))
    await queryClient.invalidateQueries({ queryKey: KEYS.products })
  }

  return (
    <div className="stack">
      {manage && <ImportBox />}
      <div className="toolbar">
        <input
          type="search"
          className="grow"
          placeholder={t('rev.products.search')}
          aria-label={t('rev.products.search')}
          data-testid="product-search"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value)
            setPage(0)
          }}
        />
        <span className="muted" data-testid="product-count">
          {products.data ? t('rev.products.count', { n: total }) : ''}
        </span>
        {pages > 1 && (
          <span className="pager">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)} aria-label={t('rev.prev')}>
              ‹
            </button>
            <span className="muted">{t('rev.page', { n: page + 1, of: pages })}</span>
            <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)} aria-label={t('rev.next')}>
              ›
            </button>
          </span>
        )}
      </div>
      {(error || products.isError) && (
        <p className="error" role="alert">
          {error ?? products.error?.message}
        </p>
      )}
      <table className="grid" data-testid="products" aria-busy={products.isFetching}>
        <thead>
          <tr>
            <th>{t('rev.products.title')}</th>
            <th>{t('rev.products.category')}</th>
            <th className="num">{t('rev.products.price')}</th>
            <th className="num">{t('rev.products.stock')}</th>
            <th>{t('rev.products.provider')}</th>
            <th>{t('rev.products.tier')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <EmptyRow colSpan={6} loading={products.isLoading} text={q ? t('rev.products.noMatch') : t('rev.products.none')} />
          )}
          {rows.map((product) => (
            <tr key={product.product_main_id} data-testid={`product-${product.product_main_id}`}>
              <td>
                {product.url ? (
                  <a href={product.url} target="_blank" rel="noreferrer">
                    {product.title}
                  </a>
                ) : (
                  product.title
                )}
                <div className="hint mono">
                  {product.product_main_id}
                  {product.variants > 1 && ` · ${t('rev.products.variants', { n: product.variants })}`}
                </div>
              </td>
              <td>{product.category || '–'}</td>
              <td className="num">{tl(product.price, lang)}</td>
              <td className={`num${product.stock === 0 ? ' out' : ''}`}>
                {product.stock === 0 ? t('rev.products.outOfStock') : product.stock}
              </td>
              <td>
                <ProviderBadge provider={product.provider} />
              </td>
              <td>
                {manage ? (
                  <select
                    aria-label={t('rev.products.tierOf', { title: product.title })}
                    value={product.margin_tier}
                    onChange={(e) => void setTier(product, e.target.value as Tier)}
                  >
                    {TIERS.map((tier) => (
                      <option key={tier} value={tier}>
                        {t(`rev.tier.${tier}`)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <span className={`badge tier-${product.margin_tier}`}>{orRaw(t, `rev.tier.${product.margin_tier}`, product.margin_tier)}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
