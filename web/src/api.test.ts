import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import { api, ApiError, buildUrl, request, setCsrfToken, setUnauthorizedHandler } from './api'

async function fail(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p
  } catch (e) {
    return e as ApiError
  }
  throw new Error('expected a failure')
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

describe('api wrapper', () => {
  const fetchMock = vi.fn()
  const onUnauthorized = vi.fn()

  beforeEach(() => {
    fetchMock.mockReset()
    onUnauthorized.mockReset()
    vi.stubGlobal('fetch', fetchMock)
    setUnauthorizedHandler(onUnauthorized)
    setCsrfToken('tok-123')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  function headersOf(call: number): Record<string, string> {
    return fetchMock.mock.calls[call][1].headers as Record<string, string>
  }

  it('adds the CSRF header on POST, PATCH and DELETE but not on GET', async () => {
    fetchMock.mockImplementation(async () => jsonResponse(200, { ok: true }))
    await api.get('/api/v1/me')
    await api.post('/api/v1/org/nodes', { name: 'x' })
    await api.patch('/api/v1/org/nodes/1', { name: 'y' })
    await api.del('/api/v1/users/1/grants/2')
    expect(headersOf(0)['X-CSRF-Token']).toBeUndefined()
    expect(headersOf(1)['X-CSRF-Token']).toBe('tok-123')
    expect(headersOf(2)['X-CSRF-Token']).toBe('tok-123')
    expect(headersOf(3)['X-CSRF-Token']).toBe('tok-123')
    expect(fetchMock.mock.calls[1][1].method).toBe('POST')
    expect(fetchMock.mock.calls[1][1].body).toBe('{"name":"x"}')
    expect(headersOf(1)['Content-Type']).toBe('application/json')
    expect(fetchMock.mock.calls[1][1].credentials).toBe('same-origin')
  })

  it('sends a file as the raw body with its own type and the CSRF header (attachments)', async () => {
    fetchMock.mockImplementation(async () => jsonResponse(201, { id: '1' }))
    const file = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' })
    await request('POST', '/api/v1/cases/7/attachments', { query: { name: '照片 1.png' }, blob: file })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/cases/7/attachments?name=%E7%85%A7%E7%89%87+1.png')
    expect(fetchMock.mock.calls[0][1].body).toBe(file)
    expect(headersOf(0)['Content-Type']).toBe('image/png')
    expect(headersOf(0)['X-CSRF-Token']).toBe('tok-123')
    await request('POST', '/api/v1/cases/7/attachments', { blob: new Blob(['x']) })
    expect(headersOf(1)['Content-Type']).toBe('application/octet-stream')
  })

  it('parses the JSON body and returns undefined on 204', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [{ id: '9007199254740993' }] }))
    const r = await api.get<{ items: { id: string }[] }>('/api/v1/org/nodes')
    expect(r.items[0].id).toBe('9007199254740993')
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }))
    expect(await api.post('/api/v1/auth/logout')).toBeUndefined()
  })

  it('throws ApiError with status, code, message and field', async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse(409, { error: { code: 'duplicate_code', message: '编码已存在', field: 'code' } }),
    )
    const err = await fail(api.post('/api/v1/org/nodes', {}))
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(409)
    expect(err.code).toBe('duplicate_code')
    expect(err.message).toBe('编码已存在')
    expect(err.field).toBe('code')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('copes with a non-JSON error body', async () => {
    fetchMock.mockResolvedValueOnce(new Response('Bad Gateway', { status: 502, statusText: 'Bad Gateway' }))
    const err = await fail(api.get('/api/v1/me'))
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(502)
    expect(err.code).toBe('http_502')
    expect(err.message).toBe('Bad Gateway')
  })

  it('turns a network failure into ApiError network_error', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const err = await fail(api.get('/api/v1/me'))
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(0)
    expect(err.code).toBe('network_error')
  })

  it('runs the 401 handler and still throws', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(401, { error: { code: 'unauthenticated', message: '请先登录' } }))
    const err = await fail(api.get('/api/v1/staff'))
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(401)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('does not redirect on 401 when asked not to (login with bad credentials)', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(401, { error: { code: 'invalid_credentials', message: '用户名或密码错误' } }))
    const err = await fail(api.post('/api/v1/auth/login', { username: 'a', password: 'b' }, { noAuthRedirect: true }))
    expect(err.code).toBe('invalid_credentials')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('sends no CSRF header when there is no token', async () => {
    setCsrfToken('')
    fetchMock.mockResolvedValueOnce(jsonResponse(200, {}))
    await api.post('/api/v1/auth/login', { username: 'a', password: 'b' })
    expect(headersOf(0)['X-CSRF-Token']).toBeUndefined()
  })

  it('builds query strings, skipping empty values', () => {
    expect(buildUrl('/api/v1/staff', { node: '12', q: '', cursor: null, limit: 50, category: undefined })).toBe(
      '/api/v1/staff?node=12&limit=50',
    )
    expect(buildUrl('/api/v1/org/search', { q: '第一 医院' })).toBe('/api/v1/org/search?q=%E7%AC%AC%E4%B8%80+%E5%8C%BB%E9%99%A2')
    expect(buildUrl('/x', {})).toBe('/x')
  })

  it('uppercases the method', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, {}))
    await request('post', '/a', { json: {} })
    expect(fetchMock.mock.calls[0][1].method).toBe('POST')
    expect(headersOf(0)['X-CSRF-Token']).toBe('tok-123')
  })
})
