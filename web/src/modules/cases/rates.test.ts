import { describe, it, expect } from 'vitest'
import { SMALL_N, showRate, wilson } from './rates'

describe('Wilson score interval', () => {
  it('gives the textbook values', () => {
    const two = wilson(2, 2)!
    expect(two.low).toBeCloseTo(0.3424, 4)
    expect(two.high).toBe(1)
    const half = wilson(5, 10)!
    expect(half.low).toBeCloseTo(0.2366, 4)
    expect(half.high).toBeCloseTo(0.7634, 4)
    const none = wilson(0, 4)!
    expect(none.low).toBe(0)
    expect(none.high).toBeCloseTo(0.4899, 4)
  })
  it('narrows as n grows and stays inside [0, 1]', () => {
    const small = wilson(9, 10)!
    const large = wilson(900, 1000)!
    expect(large.high - large.low).toBeLessThan(small.high - small.low)
    for (const [k, n] of [[0, 1], [1, 1], [3, 7], [29, 29]]) {
      const ci = wilson(k, n)!
      expect(ci.low).toBeGreaterThanOrEqual(0)
      expect(ci.high).toBeLessThanOrEqual(1)
      expect(ci.low).toBeLessThanOrEqual(k / n)
      expect(ci.high).toBeGreaterThanOrEqual(k / n)
    }
  })
  it('has no interval without cases', () => {
    expect(wilson(0, 0)).toBeNull()
  })
})

describe('a rate as 投诉统计 shows it', () => {
  it('shows n and the interval on small n, never a bare 100%', () => {
    expect(showRate(1, 2)).toEqual({ rate: '100.0%', n: 2, low: '34%', high: '100%' })
  })
  it('shows n alone from SMALL_N on', () => {
    expect(showRate(0.9, SMALL_N)).toEqual({ rate: '90.0%', n: SMALL_N })
    expect(showRate(0.873, 1200)).toEqual({ rate: '87.3%', n: 1200 })
  })
  it('shows no rate when nothing was counted', () => {
    expect(showRate(null, 0)).toEqual({ rate: null, n: 0 })
    expect(showRate(undefined, undefined)).toEqual({ rate: null, n: 0 })
  })
})
