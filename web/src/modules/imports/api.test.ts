import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import { ApiError, setCsrfToken } from '../../api'
import { uploadImport } from './api'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('import upload', () => {
  const fetchMock = vi.fn()
  beforeEach(() => {
    fetchMock.mockReset()
    vi.stubGlobal('fetch', fetchMock)
    setCsrfToken('tok-123')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })
  async function fail(p: Promise<unknown>): Promise<ApiError> {
    try {
      await p
    } catch (e) {
      return e as ApiError
    }
    throw new Error('expected a failure')
  }

  it('sends an import file as its raw bytes (the server decodes GBK or .xlsx)', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { imported: 2, errors: [] }))
    const file = new Blob([new Uint8Array([0xb9, 0xa4, 0xba, 0xc5, 0x0a])], { type: 'text/csv' })
    const r = await uploadImport('/api/v1/staff/import', file, { mode: 'valid_rows' })
    expect(r).toEqual({ imported: 2, duplicates: 0, errors: [] })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/v1/staff/import?mode=valid_rows')
    expect(init.body).toBe(file)
    expect(init.headers['Content-Type']).toBe('application/octet-stream')
    expect(init.headers['X-CSRF-Token']).toBe('tok-123')
  })

  it('treats a 422 import answer carrying errors as a result', async () => {
    const body = { imported: 0, duplicates: 0, errors: [{ row: 3, field: 'category', code: 'bad_value', value: '厨师', message: 'x' }] }
    const file = new Blob(['x'])
    fetchMock.mockResolvedValueOnce(jsonResponse(422, body))
    expect(await uploadImport('/api/v1/staff/import', file)).toEqual(body)
    fetchMock.mockResolvedValueOnce(jsonResponse(200, body))
    expect(await uploadImport('/api/v1/staff/import', file)).toEqual(body)
  })

  it('rethrows other import failures', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(403, { error: { code: 'forbidden', message: '无权限' } }))
    const err = await fail(uploadImport('/api/v1/staff/import', new Blob(['x'])))
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('forbidden')
  })
})
