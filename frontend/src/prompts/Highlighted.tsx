import { Fragment } from 'react'
import type { DiffPart } from './logic'

/** A text with its ``{variables}`` marked (literal ``{{``/``}}`` left alone). */
export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(\{\{|\}\}|\{[^{}\s]*\})/g)
  return (
    <>
      {parts.map((part, index) =>
        /^\{[^{}\s]*\}$/.test(part) ? (
          <code key={index} className="ph">
            {part}
          </code>
        ) : (
          <Fragment key={index}>{part}</Fragment>
        ),
      )}
    </>
  )
}

/** One side of a word diff: the words this side lacks left out, its own words marked. */
export function DiffSide({ parts, side }: { parts: DiffPart[]; side: 'before' | 'after' }) {
  const hidden = side === 'before' ? 'add' : 'del'
  return (
    <>
      {parts
        .filter((part) => part.op !== hidden)
        .map((part, index) =>
          part.op === 'same' ? (
            <Fragment key={index}>{part.text}</Fragment>
          ) : part.op === 'add' ? (
            <ins key={index}>{part.text}</ins>
          ) : (
            <del key={index}>{part.text}</del>
          ),
        )}
    </>
  )
}
