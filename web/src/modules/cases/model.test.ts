import { describe, it, expect } from 'vitest'
import { actionPath, allowedActions, asTrackingCode, formatBytes, isOpen, maskPhone, statusTag, validPhone, type CaseDetail } from './model'

function kase(over: Partial<CaseDetail> = {}): CaseDetail {
  return {
    id: '1',
    tracking_code: 'ABCDE23456',
    type: 'complaint',
    channel: 'web',
    status: 'pending',
    node: { id: '10', name: '内科' },
    owner: { id: '9', name: '市第一人民医院' },
    transfer_to: null,
    assignee: null,
    category: 'attitude',
    sensitive: false,
    multi_dept: false,
    received_at: 0,
    deadline_at: Date.now() + 86_400_000,
    paused: false,
    level: 0,
    overdue: false,
    replied_at: null,
    late: false,
    outcome: '',
    callback_result: '',
    reopen_count: 0,
    closed_at: null,
    created_at: 0,
    updated_at: 0,
    content: 'x',
    extension_request: null,
    extended_days: 0,
    reply: '',
    measures: '',
    callback_at: null,
    merged_into: null,
    events: [],
    ...over,
  }
}

describe('case actions', () => {
  it("offers exactly the server's list, in the order of the buttons", () => {
    expect(allowedActions(kase({ actions: ['note', 'reply', 'transfer_accept', 'bogus'] }))).toEqual(['transfer_accept', 'reply', 'note'])
    expect(allowedActions(kase({ actions: [] }))).toEqual([])
  })
  it('maps actions to endpoints', () => {
    expect(actionPath('transfer_accept')).toBe('transfer/accept')
    expect(actionPath('extension_decide')).toBe('extension/decide')
    expect(actionPath('note')).toBe('notes')
    expect(actionPath('reply')).toBe('reply')
  })
})

describe('case vocabulary helpers', () => {
  it('recognises tracking codes typed loosely', () => {
    expect(asTrackingCode(' abcde-23456 ')).toBe('ABCDE23456')
    expect(asTrackingCode('内科')).toBeNull()
    expect(asTrackingCode('ABC')).toBeNull()
  })
  it('validates phone numbers', () => {
    expect(validPhone('13812345678')).toBe(true)
    expect(validPhone('138 1234 5678')).toBe(true)
    expect(validPhone('0571-88881234')).toBe(true)
    expect(validPhone('12345678901')).toBe(false)
    expect(validPhone('12345')).toBe(false)
  })
  it('masks phones and colours states', () => {
    expect(maskPhone('13812345678')).toBe('138****5678')
    expect(statusTag('closed')).toBe('success')
    expect(statusTag('pending')).toBe('warning')
    expect(isOpen('waiting')).toBe(true)
    expect(isOpen('replied')).toBe(false)
  })
})

describe('attachment sizes', () => {
  it('reads like a file manager', () => {
    expect(formatBytes(12)).toBe('12 B')
    expect(formatBytes(340 * 1024)).toBe('340 KB')
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MB')
    expect(formatBytes(1.25 * 1024 * 1024)).toBe('1.3 MB')
  })
})
