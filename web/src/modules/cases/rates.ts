// Rates on small numbers: 投诉统计 shows every rate with its n, and below SMALL_N a 95% Wilson
// score interval, so "100%" of two answers reads as what it is (34%–100%), not as a record.

/** Below this n a rate is shown with its 95% interval. */
export const SMALL_N = 30
const Z95 = 1.959963984540054

export interface Interval {
  low: number
  high: number
}

/**
 * The Wilson score interval for k successes in n trials (z = 1.96 for 95%); null when n is 0.
 * Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is not empty at p = 0 or 1.
 */
export function wilson(k: number, n: number, z = Z95): Interval | null {
  if (!(n > 0)) return null
  const p = Math.min(1, Math.max(0, k / n))
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = p + z2 / (2 * n)
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return { low: Math.max(0, (centre - spread) / denom), high: Math.min(1, (centre + spread) / denom) }
}

export interface RateShown {
  /** The rate as a percentage with one decimal, or null when there is none (n = 0). */
  rate: string | null
  n: number
  /** The 95% interval in whole percent, only when 0 < n < SMALL_N. */
  low?: string
  high?: string
}

const pct1 = (v: number) => `${(v * 100).toFixed(1)}%`
const pct0 = (v: number) => `${Math.round(v * 100)}%`

/** A rate (share in [0, 1], as the server sends it) over n, ready to show with its n and interval. */
export function showRate(rate: number | null | undefined, n: number | null | undefined): RateShown {
  const count = n ?? 0
  if (rate === null || rate === undefined || count <= 0) return { rate: null, n: count }
  const out: RateShown = { rate: pct1(rate), n: count }
  if (count < SMALL_N) {
    const ci = wilson(Math.round(rate * count), count)!
    out.low = pct0(ci.low)
    out.high = pct0(ci.high)
  }
  return out
}
