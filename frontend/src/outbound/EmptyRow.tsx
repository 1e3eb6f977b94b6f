import { useI18n } from '../i18n'

/** The one row of a list table that has nothing to show yet: loading, or the empty text. */
export function EmptyRow({ colSpan, loading, text }: { colSpan: number; loading: boolean; text: string }) {
  const { t } = useI18n()
  return (
    <tr>
      <td colSpan={colSpan} className="muted">
        {loading ? t('common.loading') : text}
      </td>
    </tr>
  )
}
