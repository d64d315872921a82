import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest'
import { setCsrfToken } from '../../api'
import { decideReview, getPointSurvey, listPoints, listReviews, setPublicAddress } from './api'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('satisfaction requests', () => {
  const fetchMock = vi.fn()
  beforeEach(() => {
    fetchMock.mockReset()
    fetchMock.mockImplementation(() => Promise.resolve(jsonResponse(200, { items: [], next_cursor: null, survey: { name: 's' } })))
    vi.stubGlobal('fetch', fetchMock)
    setCsrfToken('tok-123')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })
  const sent = (i = 0) => fetchMock.mock.calls[i] as [string, RequestInit]

  it('pages reviews and points with the filters, leaving out what is unset', async () => {
    await listReviews({ node: null, state: 'pending' }, null, 50)
    await listPoints({ node: '9' }, 'c1', 200)
    expect(sent(0)[0]).toBe('/api/v1/ratings/reviews?state=pending&limit=50')
    expect(sent(1)[0]).toBe('/api/v1/points?node=9&cursor=c1&limit=200')
  })

  it('sends a review decision with its reason and the public address as a PUT', async () => {
    await decideReview('77', 'reject', '重复提交')
    await setPublicAddress('https://myd.example.cn')
    expect(sent(0)[0]).toBe('/api/v1/ratings/77/review')
    expect(JSON.parse(String(sent(0)[1].body))).toEqual({ decision: 'reject', reason: '重复提交' })
    expect(sent(1)[0]).toBe('/api/v1/settings/public-url')
    expect(sent(1)[1].method).toBe('PUT')
    expect(JSON.parse(String(sent(1)[1].body))).toEqual({ url: 'https://myd.example.cn' })
  })

  it("reads a point's survey by its code", async () => {
    const s = await getPointSurvey('P 01')
    expect(sent(0)[0]).toBe('/api/v1/public/points/P%2001')
    expect(s.name).toBe('s')
  })
})
