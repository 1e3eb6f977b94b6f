import { useI18n } from '../i18n'
import { agentLabel } from '../labels'
import type { Change } from './api'
import { DiffSide } from './Highlighted'
import { displayText, LANGUAGE_NAMES, wordDiff } from './logic'

/** What the version changes against the live one: each text before and after (changed words
 * marked) and each tone. */
export function DiffView({ changes, onOpen }: { changes: Change[]; onOpen?: (key: string, language: string) => void }) {
  const { t } = useI18n()
  if (changes.length === 0)
    return (
      <div data-testid="prompt-diff" className="diff-list">
        <p className="muted">{t('prompts.diff.none')}</p>
      </div>
    )
  return (
    <div data-testid="prompt-diff" className="diff-list">
      {changes.map((change, index) =>
        change.kind === 'tone' ? (
          <div key={index} className="diff-item tone" data-testid="prompt-diff-tone">
            <strong>{t('prompts.tone')}</strong> · {change.agent ? agentLabel(t, change.agent) : t('prompts.defaultTone')}:{' '}
            <del>{t(`prompts.tone.${change.before}`)}</del> → <ins>{t(`prompts.tone.${change.after}`)}</ins>
          </div>
        ) : (
          <TextDiff key={index} change={change} onOpen={onOpen} />
        ),
      )}
    </div>
  )
}

function TextDiff({
  change,
  onOpen,
}: {
  change: Extract<Change, { kind: 'text' }>
  onOpen?: (key: string, language: string) => void
}) {
  const { t } = useI18n()
  const parts = wordDiff(displayText(change.before), displayText(change.after))
  return (
    <div className="diff-item" data-testid={`prompt-diff-${change.key}-${change.language}`}>
      <div className="diff-head">
        <span className="mono strong">{change.key}</span>
        <span className="tag">{LANGUAGE_NAMES[change.language] ?? change.language}</span>
        {change.reverted && <span className="tag warn">{t('prompts.diff.reverted')}</span>}
        <span className="spacer" />
        {onOpen && (
          <button type="button" className="link" onClick={() => onOpen(change.key, change.language)}>
            {t('prompts.diff.open')}
          </button>
        )}
      </div>
      <div className="diff-cols">
        <div>
          <div className="diff-label">{t('prompts.diff.before')}</div>
          <div className="diff-text" dir="auto">
            <DiffSide parts={parts} side="before" />
          </div>
        </div>
        <div>
          <div className="diff-label">{t('prompts.diff.after')}</div>
          <div className="diff-text" dir="auto">
            <DiffSide parts={parts} side="after" />
          </div>
        </div>
      </div>
    </div>
  )
}
