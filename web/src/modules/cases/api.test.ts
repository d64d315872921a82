import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import { setCsrfToken } from '../../api'
import { getCaseCounts, listCases, saveSla, searchAssignees, takeAction } from './api'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('case requests', () => {
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

  it('posts an action to its endpoint under the case', async () => {
    fetchMock.mockImplementation(() => Promise.resolve(jsonResponse(200, {})))
    await takeAction('42', 'transfer_accept', { note: 'ok' })
    await takeAction('42', 'note', { note: 'n' })
    expect(sent(0)[0]).toBe('/api/v1/cases/42/transfer/accept')
    expect(sent(0)[1].method).toBe('POST')
    expect(JSON.parse(String(sent(0)[1].body))).toEqual({ note: 'ok' })
    expect(sent(1)[0]).toBe('/api/v1/cases/42/notes')
  })

  it('lists cases and counts with the query, leaving out empty filters', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [], next_cursor: null }))
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { mine: 1, unit: 2, due_soon: 0, overdue: 0, supervised: 0 }))
    await listCases({ tab: 'mine', status: '', cursor: null, limit: 20 })
    const counts = await getCaseCounts(null)
    expect(sent(0)[0]).toBe('/api/v1/cases?tab=mine&limit=20')
    expect(sent(1)[0]).toBe('/api/v1/case-reports/counts')
    expect(counts.unit).toBe(2)
  })

  it('searches assignees and saves a time limit', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [{ id: '7', username: 'u', display_name: 'U', node_name: 'N' }] }))
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { type: 'complaint', reply_days: 5 }))
    const users = await searchAssignees('42', '张')
    await saveSla('complaint', { reply_days: 5, multi_days: 10, warn_ratio: 0.8, bureau_after_days: 3, needs_callback: true })
    expect(users.map((u) => u.id)).toEqual(['7'])
    expect(sent(0)[0]).toBe('/api/v1/cases/42/assignees?q=%E5%BC%A0&limit=20')
    expect(sent(1)[0]).toBe('/api/v1/cases/sla/complaint')
    expect(sent(1)[1].method).toBe('PUT')
    expect(JSON.parse(String(sent(1)[1].body)).reply_days).toBe(5)
  })
})
