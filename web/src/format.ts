// Times are UTC epoch milliseconds on the wire and shown in Asia/Shanghai.
export const TIME_ZONE = 'Asia/Shanghai'
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000 // China has no daylight saving time

const fmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** 1714539600000 → "2024-05-01 13:00:00" (Asia/Shanghai). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return ''
  const parts: Record<string, string> = {}
  for (const p of fmt.formatToParts(new Date(Number(ms)))) parts[p.type] = p.value
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

/** "2024-05-01" (a Shanghai calendar date) → epoch ms of its start. */
export function shanghaiDayStart(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return Date.UTC(y, m - 1, d) - SHANGHAI_OFFSET_MS
}

/** "2024-05-01" → epoch ms of the last millisecond of that day (inclusive upper bound). */
export function shanghaiDayEnd(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return Date.UTC(y, m - 1, d + 1) - SHANGHAI_OFFSET_MS - 1
}

export function formatDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return ''
  if (typeof detail === 'string') return detail
  try {
    return JSON.stringify(detail)
  } catch {
    return String(detail)
  }
}
