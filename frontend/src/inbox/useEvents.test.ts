import { describe, expect, it } from 'vitest'
import { isTyping } from './InboxPage'
import { staleKeys } from './useEvents'

describe('staleKeys', () => {
  it('refreshes the list and the conversation an event touches', () => {
    expect(staleKeys({ kind: 'suggestion_created', conversation_id: 'c1' })).toEqual([
      ['conversations'],
      ['messages', 'c1'],
      ['suggestions', 'c1'],
      ['conversation-extra', 'c1'],
    ])
    expect(staleKeys({ kind: 'message_status', conversation_id: 'c1' })).toEqual([
      ['conversations'],
      ['messages', 'c1'],
      ['conversation-extra', 'c1'],
    ])
    expect(staleKeys({ kind: 'conversation_updated', conversation_id: null })).toEqual([
      ['conversations'],
    ])
  })
})

describe('isTyping', () => {
  it('is true in text fields only', () => {
    expect(isTyping(document.createElement('textarea'))).toBe(true)
    expect(isTyping(document.createElement('input'))).toBe(true)
    expect(isTyping(document.createElement('button'))).toBe(false)
    expect(isTyping(document.body)).toBe(false)
    expect(isTyping(null)).toBe(false)
  })
})
