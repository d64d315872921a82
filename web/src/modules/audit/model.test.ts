import { describe, it, expect } from 'vitest'
import { auditQuery } from './model'

describe('audit filters', () => {
  it('asks for whole Shanghai days, both ends included', () => {
    const q = auditQuery({ node: '42', user: ' hosp1 ', period: ['2026-03-01', '2026-03-02'] })
    expect(q).toEqual({ node: '42', user: 'hosp1', from: Date.UTC(2026, 1, 28, 16), to: Date.UTC(2026, 2, 2, 16) - 1 })
  })
  it('leaves out what is not filled in', () => {
    expect(auditQuery({ node: null, user: '  ', period: null })).toEqual({ node: undefined, user: undefined, from: undefined, to: undefined })
  })
})
