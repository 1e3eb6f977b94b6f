import { useI18n } from '../i18n'
import { fill, type TemplateButton, type TemplateDraft } from './logic'

/** A template as the customer's WhatsApp shows it: a green bubble with the header in bold, the
 * body, the footer in grey and the buttons underneath; variables filled with ``values``. */
export function WhatsAppPreview({
  draft,
  values,
}: {
  draft: Pick<TemplateDraft, 'parameter_format' | 'variables' | 'header' | 'body' | 'footer'> & {
    buttons: TemplateButton[]
  }
  values: Record<string, string>
}) {
  const { t } = useI18n()
  const header = draft.header ? fill(draft.header, draft, values) : ''
  const body = fill(draft.body, draft, values)
  return (
    <div className="wa-phone" data-testid="wa-preview" aria-label={t('tpl.preview')}>
      <div className="wa-bubble" dir="auto">
        {header && <div className="wa-header">{header}</div>}
        <div className="wa-body">{body || <span className="muted">{t('tpl.previewEmpty')}</span>}</div>
        {draft.footer && <div className="wa-footer">{draft.footer}</div>}
        <div className="wa-time">10:24</div>
      </div>
      {draft.buttons.map((button, index) => (
        <div key={index} className="wa-button" dir="auto">
          {button.type === 'url' ? '↗ ' : '↩ '}
          {button.text || '…'}
        </div>
      ))}
    </div>
  )
}
