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
const handler = ['case.read', 'case.handle', 'case.register', 'case.dispatch']
const dept = ['case.read', 'case.handle']

describe('case actions', () => {
  it('offers accepting, replying and dispatching on a pending case to a dispatcher', () => {
    const a = allowedActions(kase(), handler)
    expect(a).toEqual(expect.arrayContaining(['accept', 'reply', 'transfer', 'reject', 'return', 'merge', 'extension', 'note']))
    expect(a).not.toContain('callback')
    expect(a).not.toContain('supervise')
  })
  it('offers only accepting or declining while a transfer waits', () => {
    const a = allowedActions(kase({ transfer_to: { id: '10', name: '内科' } }), dept)
    expect(a).toContain('transfer_accept')
    expect(a).toContain('transfer_decline')
    expect(a).not.toContain('reply')
    expect(a).not.toContain('accept')
  })
  it('offers callback and close once replied, nothing but notes once closed', () => {
    expect(allowedActions(kase({ status: 'replied' }), dept)).toEqual(['callback', 'close', 'note'])
    expect(allowedActions(kase({ status: 'closed' }), handler)).toEqual(['note'])
    expect(allowedActions(kase({ status: 'closed' }), ['case.read'])).toEqual(['note'])
  })
  it('offers supervision to the bureau and no extension after the deadline', () => {
    expect(allowedActions(kase({ status: 'processing' }), ['case.read', 'case.supervise'])).toContain('supervise')
    expect(allowedActions(kase({ status: 'processing', deadline_at: Date.now() - 1000 }), dept)).not.toContain('extension')
  })
  it('lets someone else decide an extension request', () => {
    const c = kase({ status: 'processing', extension_request: { days: 3, reason: 'r', by: '77' } })
    expect(allowedActions(c, handler, '77')).not.toContain('extension_decide')
    expect(allowedActions(c, handler, '78')).toContain('extension_decide')
    expect(allowedActions(c, handler, '78')).not.toContain('extension')
  })
  it('uses the server list when there is one', () => {
    expect(allowedActions(kase({ actions: ['reply', 'transfer/accept', 'bogus'] }), [])).toEqual(['transfer_accept', 'reply'])
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
