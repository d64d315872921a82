import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'

const shown = vi.hoisted(() => ({ calls: [] as unknown[] }))
vi.mock('element-plus', () => {
  const ElMessage = Object.assign((o: unknown) => shown.calls.push(o), { error: (s: unknown) => shown.calls.push(s) })
  return { ElMessage }
})

import { download, fileNameFromDisposition } from './download'
import { setUnauthorizedHandler } from '../api'
import { setLang } from '../i18n'

describe('export file names', () => {
  it("takes the server's Chinese name (RFC 5987) over the ASCII fallback", () => {
    const cd =
      "attachment; filename=\"satisfaction-ranking_2026-11.xlsx\"; filename*=UTF-8''%E5%B8%82%E7%AC%AC%E4%B8%80%E4%BA%BA%E6%B0%91%E5%8C%BB%E9%99%A2_%E6%BB%A1%E6%84%8F%E5%BA%A6%E6%8E%92%E5%90%8D_2026-11.xlsx"
    expect(fileNameFromDisposition(cd, 'x.xlsx')).toBe('市第一人民医院_满意度排名_2026-11.xlsx')
  })
  it('falls back on the plain name, then on the given name', () => {
    expect(fileNameFromDisposition('attachment; filename="cases.xlsx"', 'x.xlsx')).toBe('cases.xlsx')
    expect(fileNameFromDisposition("attachment; filename*=UTF-8''%E0%A4", 'x.xlsx')).toBe('x.xlsx')
    expect(fileNameFromDisposition(null, '投诉统计.xlsx')).toBe('投诉统计.xlsx')
  })
})

describe('download', () => {
  const fetchMock = vi.fn()
  const onUnauthorized = vi.fn()
  const anchors: { href: string; download: string; clicked: boolean }[] = []

  beforeEach(() => {
    shown.calls = []
    anchors.length = 0
    fetchMock.mockReset()
    onUnauthorized.mockReset()
    setLang('zh-CN')
    vi.stubGlobal('fetch', fetchMock)
    setUnauthorizedHandler(onUnauthorized)
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:1', revokeObjectURL: () => undefined }))
    vi.stubGlobal('document', {
      createElement: () => {
        const a = { href: '', download: '', clicked: false, click: () => (a.clicked = true), remove: () => undefined }
        anchors.push(a)
        return a
      },
      body: { appendChild: () => undefined },
    })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  const refused = (status: number, code: string, message: string) =>
    new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'Content-Type': 'application/json' } })

  it('saves the file under the name the server gives, with the session cookie', async () => {
    fetchMock.mockResolvedValue(
      new Response(new Blob(['PK']), { status: 200, headers: { 'Content-Disposition': "attachment; filename=\"c.xlsx\"; filename*=UTF-8''%E6%8A%95%E8%AF%89.xlsx" } }),
    )
    expect(await download('/api/v1/case-reports/cases.xlsx', { status: 'open', q: '' }, 'x.xlsx')).toBe(true)
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/case-reports/cases.xlsx?status=open')
    expect(fetchMock.mock.calls[0][1].credentials).toBe('same-origin')
    expect(anchors).toEqual([expect.objectContaining({ href: 'blob:1', download: '投诉.xlsx', clicked: true })])
    expect(shown.calls).toEqual([])
  })

  it('shows an export refused for lack of permission or for too many requests in Chinese', async () => {
    fetchMock.mockResolvedValueOnce(refused(403, 'forbidden', 'your role does not allow this'))
    expect(await download('/api/v1/case-reports/stats.xlsx', {}, 'x.xlsx')).toBe(false)
    fetchMock.mockResolvedValueOnce(refused(429, 'rate_limited', 'too many exports'))
    expect(await download('/api/v1/case-reports/stats.xlsx', {}, 'x.xlsx')).toBe(false)
    expect(anchors).toEqual([])
    const text = JSON.stringify(shown.calls)
    expect(text).toContain('您没有权限执行此操作')
    expect(text).toContain('操作过于频繁，请稍后再试')
  })

  it('shows a network failure in Chinese', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    expect(await download('/api/v1/staff/import/template', {}, 't.csv')).toBe(false)
    expect(shown.calls).toEqual(['网络异常，请检查网络连接后重试'])
  })

  it('sends an expired session to sign in, without a toast', async () => {
    fetchMock.mockResolvedValue(refused(401, 'unauthenticated', 'sign in'))
    expect(await download('/api/v1/ratings/comments.xlsx', {}, 'x.xlsx')).toBe(false)
    expect(onUnauthorized).toHaveBeenCalledOnce()
    expect(shown.calls).toEqual([])
  })
})
