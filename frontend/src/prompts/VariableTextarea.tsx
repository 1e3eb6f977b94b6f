import { useImperativeHandle, useLayoutEffect, useRef, useState, type KeyboardEvent, type Ref } from 'react'
import { useI18n } from '../i18n'
import { autocompleteAt, filterVariables, insertAt, insertVariable, typeLabel, type Variable } from './logic'

export type VariableTextareaHandle = {
  /** Put ``{name}`` over the selection (or at the cursor) and focus the text. */
  insert: (name: string) => void
}

type Props = {
  value: string
  onChange: (value: string) => void
  variables: Variable[]
  required: string[]
  language: string
  placeholder?: string
  readOnly?: boolean
  testId?: string
  label: string
  rows?: number
  invalid?: boolean
  ref?: Ref<VariableTextareaHandle>
  onFocus?: () => void
}

type Open = { start: number; query: string; active: number }

const MIRRORED = [
  'boxSizing',
  'width',
  'paddingTop',
  'paddingRight',
  'paddingBottom',
  'paddingLeft',
  'borderTopWidth',
  'borderRightWidth',
  'borderBottomWidth',
  'borderLeftWidth',
  'fontFamily',
  'fontSize',
  'fontWeight',
  'fontStyle',
  'letterSpacing',
  'lineHeight',
  'textTransform',
  'wordSpacing',
  'textIndent',
  'direction',
] as const

/** Where the character at ``position`` is drawn inside the textarea (a hidden copy of it with the
 * same text and styles measures it), just below its line. */
function caretPosition(el: HTMLTextAreaElement, position: number): { top: number; left: number } {
  const style = window.getComputedStyle(el)
  const mirror = document.createElement('div')
  for (const prop of MIRRORED) mirror.style[prop] = style[prop]
  Object.assign(mirror.style, {
    position: 'absolute',
    visibility: 'hidden',
    whiteSpace: 'pre-wrap',
    overflowWrap: 'break-word',
    top: '0',
    left: '-9999px',
  })
  mirror.textContent = el.value.slice(0, position)
  const marker = document.createElement('span')
  marker.textContent = el.value.slice(position) || '.'
  mirror.appendChild(marker)
  document.body.appendChild(mirror)
  const fontSize = parseFloat(style.fontSize) || 13
  const lineHeight = parseFloat(style.lineHeight) || fontSize * 1.4
  const top = marker.offsetTop - el.scrollTop + lineHeight + 2
  const left = marker.offsetLeft - el.scrollLeft
  document.body.removeChild(mirror)
  const width = el.clientWidth || 600
  return { top: Math.max(top, lineHeight), left: Math.max(0, Math.min(left, width - 300)) }
}

/** A textarea that completes variables: typing ``{`` lists the text's variables (filtered by
 * what follows the brace); arrows and Enter/Tab or a click insert ``{name}``, Escape closes. */
export function VariableTextarea({
  value,
  onChange,
  variables,
  required,
  language,
  placeholder,
  readOnly,
  testId = 'prompt-text',
  label,
  rows = 6,
  invalid,
  ref,
  onFocus,
}: Props) {
  const { t } = useI18n()
  const area = useRef<HTMLTextAreaElement>(null)
  const [open, setOpen] = useState<Open | null>(null)
  const [position, setPosition] = useState({ top: 24, left: 0 })
  const dismissed = useRef<number | null>(null)
  const nextCursor = useRef<number | null>(null)
  const items = open ? filterVariables(variables, open.query) : []
  const active = open ? Math.min(open.active, Math.max(items.length - 1, 0)) : 0
  const listId = `${testId}-variables`

  // After an insertion the text is new: put the cursor after the inserted variable.
  useLayoutEffect(() => {
    const el = area.current
    if (el && nextCursor.current !== null) {
      el.focus()
      el.setSelectionRange(nextCursor.current, nextCursor.current)
      nextCursor.current = null
    }
  }, [value])

  function refresh(el: HTMLTextAreaElement, text = el.value) {
    const cursor = el.selectionStart ?? text.length
    const at = readOnly || el.selectionStart !== el.selectionEnd ? null : autocompleteAt(text, cursor)
    if (!at) {
      dismissed.current = null
      setOpen(null)
      return
    }
    if (dismissed.current === at.start) return setOpen(null)
    setOpen((prev) => ({ ...at, active: prev && prev.start === at.start && prev.query === at.query ? prev.active : 0 }))
    setPosition(caretPosition(el, at.start))
  }

  function choose(name: string) {
    const el = area.current
    if (!el || !open) return
    const result = insertVariable(value, open.start, el.selectionStart ?? value.length, name)
    nextCursor.current = result.cursor
    setOpen(null)
    onChange(result.text)
  }

  useImperativeHandle(ref, () => ({
    insert(name: string) {
      const el = area.current
      if (!el || readOnly) return
      const from = el.selectionStart ?? value.length
      const to = el.selectionEnd ?? from
      const result = insertAt(value, from, to, name)
      nextCursor.current = result.cursor
      setOpen(null)
      onChange(result.text)
    },
  }))

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (!open || items.length === 0) return
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      setOpen({ ...open, active: (active + step + items.length) % items.length })
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault()
      choose(items[active].name)
    } else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      dismissed.current = open.start
      setOpen(null)
    }
  }

  const showing = open !== null && items.length > 0
  return (
    <div className="ac-wrap">
      <textarea
        ref={area}
        data-testid={testId}
        aria-label={label}
        aria-invalid={invalid || undefined}
        aria-autocomplete="list"
        aria-expanded={showing}
        aria-controls={showing ? listId : undefined}
        aria-activedescendant={showing ? `${listId}-${items[active].name}` : undefined}
        rows={rows}
        dir="auto"
        spellCheck
        lang={language}
        value={value}
        placeholder={placeholder}
        readOnly={readOnly}
        onFocus={onFocus}
        onChange={(e) => {
          onChange(e.target.value)
          refresh(e.target, e.target.value)
        }}
        onKeyDown={onKeyDown}
        onKeyUp={(e) => {
          if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key) || (!showing && e.key.startsWith('Arrow')))
            refresh(e.currentTarget)
        }}
        onClick={(e) => refresh(e.currentTarget)}
        onBlur={() => setOpen(null)}
      />
      {showing && (
        <ul
          className="ac-list"
          role="listbox"
          id={listId}
          aria-label={t('prompts.variables')}
          data-testid="prompt-autocomplete"
          style={{ top: position.top, insetInlineStart: position.left }}
        >
          {items.map((variable, index) => (
            <li
              key={variable.name}
              id={`${listId}-${variable.name}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : ''}
              data-testid={`prompt-autocomplete-${variable.name}`}
              // mousedown, not click: the textarea keeps the focus and the cursor.
              onMouseDown={(e) => {
                e.preventDefault()
                choose(variable.name)
              }}
              onMouseEnter={() => setOpen({ ...open, active: index })}
            >
              <div className="ac-line">
                <code>{`{${variable.name}}`}</code>
                <span className="tag">{typeLabel(t, variable.type)}</span>
                {required.includes(variable.name) && <span className="req">{t('prompts.required')}</span>}
              </div>
              <div className="ac-desc">{variable.description}</div>
              <div className="ac-example" dir="auto">
                {t('prompts.example')}: {variable.example[language] ?? variable.example.tr ?? ''}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
