import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import { setCsrfToken } from '../../api'
import { listRates, listTasks, recordOutcome } from './api'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('follow-up requests', () => {
  const fetchMock = vi.fn()
  beforeEach(() => {
    fetchMock.mockReset()
    vi.stubGlobal('fetch', fetchMock)
    setCsrfToken('tok-123')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })
  const sent = (i = 0) => fetchMock.mock.calls[i] as [string, RequestInit]

  it('pages tasks with the filters and reads the rates list', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [], next_cursor: null }))
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [{ node_id: '1', name: '内科', due: 3, rate: 1 }] }))
    await listTasks({ node: null, status: 'open', due: 'today' }, null, 50)
    const rates = await listRates({ period: 'month', month: '2026-12' })
    expect(sent(0)[0]).toBe('/api/v1/followups/tasks?status=open&due=today&limit=50')
    expect(sent(1)[0]).toBe('/api/v1/followups/rates?period=month&month=2026-12')
    expect(rates.map((r) => r.name)).toEqual(['内科'])
  })

  it("posts a call's outcome and answers the case it opened", async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { case_id: '5', case_code: 'ABCDE23456' }))
    const r = await recordOutcome('12', { outcome: 'reached', overall: 2 })
    expect(sent(0)[0]).toBe('/api/v1/followups/tasks/12/outcome')
    expect(sent(0)[1].method).toBe('POST')
    expect(r.case_code).toBe('ABCDE23456')
  })
})
