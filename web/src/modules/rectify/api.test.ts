import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import { ApiError, setCsrfToken } from '../../api'
import {
  createRectification,
  evidenceUrl,
  getRectCounts,
  getRectification,
  importLedger,
  listRectifications,
  patchRectification,
  rectAction,
  uploadEvidence,
} from './api'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('rectification requests', () => {
  const fetchMock = vi.fn()
  beforeEach(() => {
    fetchMock.mockReset()
    vi.stubGlobal('fetch', fetchMock)
    setCsrfToken('tok-1')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })
  const sent = (i = 0) => fetchMock.mock.calls[i] as [string, RequestInit & { headers: Record<string, string> }]

  it('lists with the filters and counts under a node', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [], next_cursor: null }))
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { total: 3, pending: 1, rectifying: 1, submitted: 1, closed: 0, cancelled: 0, overdue: 1 }))
    await listRectifications({ status: 'submitted', overdue: '1', source: '', cursor: null, limit: 30 })
    const n = await getRectCounts('7')
    expect(sent(0)[0]).toBe('/api/v1/rectifications?status=submitted&overdue=1&limit=30')
    expect(sent(1)[0]).toBe('/api/v1/rectifications/counts?node=7')
    expect(n.overdue).toBe(1)
  })

  it('creates, reads and edits an item with the CSRF header', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(201, { id: '5', code: 'ZG20261207-0001' }))
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { id: '5', timeline: [], attachments: [] }))
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { id: '5' }))
    const item = await createRectification({ unit_id: '10', problem: '消防通道堵塞' })
    await getRectification('5')
    await patchRectification('5', { measures: '清理通道' })
    expect(item.code).toBe('ZG20261207-0001')
    expect(sent(0)[0]).toBe('/api/v1/rectifications')
    expect(sent(0)[1].method).toBe('POST')
    expect(sent(0)[1].headers['X-CSRF-Token']).toBe('tok-1')
    expect(sent(1)[0]).toBe('/api/v1/rectifications/5')
    expect(sent(2)[1].method).toBe('PATCH')
    expect(JSON.parse(String(sent(2)[1].body))).toEqual({ measures: '清理通道' })
  })

  it('posts an action under actions/', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, {}))
    await rectAction('5', 'request_extension', { reason: '设备未到', until: '2026-12-20' })
    expect(sent(0)[0]).toBe('/api/v1/rectifications/5/actions/request_extension')
    expect(JSON.parse(String(sent(0)[1].body))).toEqual({ reason: '设备未到', until: '2026-12-20' })
  })

  it('uploads evidence as raw bytes named in the query', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(201, { id: '8', name: '现场.png', mime: 'image/png', size: 3 }))
    const f = new File([new Uint8Array([1, 2, 3])], '现场.png', { type: 'image/png' })
    const a = await uploadEvidence('5', f)
    expect(a.id).toBe('8')
    expect(sent(0)[0]).toBe('/api/v1/rectifications/5/attachments?name=%E7%8E%B0%E5%9C%BA.png')
    expect(sent(0)[1].headers['Content-Type']).toBe('image/png')
    expect(evidenceUrl('5', '8')).toBe('/api/v1/rectifications/5/attachments/8')
  })

  it("reads an import's bad rows from its 422 and throws other failures", async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { imported: 4, updated: 2 }))
    fetchMock.mockResolvedValueOnce(
      jsonResponse(422, { error: { code: 'import_rejected', message: 'bad rows' }, rows: [{ row: 3, field: '责任单位', message: '找不到该单位' }] }),
    )
    fetchMock.mockResolvedValueOnce(jsonResponse(422, { error: { code: 'unsupported_file', message: 'not xlsx' } }))
    const file = new Blob(['x'], { type: 'text/csv' })
    expect(await importLedger(file)).toEqual({ imported: 4, updated: 2, rows: [] })
    expect(sent(0)[0]).toBe('/api/v1/rectifications/import')
    expect(sent(0)[1].headers['Content-Type']).toBe('text/csv')
    expect(await importLedger(file)).toEqual({ imported: 0, updated: 0, rows: [{ row: 3, field: '责任单位', message: '找不到该单位' }] })
    await expect(importLedger(file)).rejects.toBeInstanceOf(ApiError)
  })
})
