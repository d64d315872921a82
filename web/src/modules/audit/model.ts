// The audit log (审计日志) as the console reads it: one entry as GET /api/v1/audit lists it, and
// the page's filters turned into that request's query.
import { shanghaiDayEnd, shanghaiDayStart } from '../../format'

export interface AuditEntry {
  id: string
  seq: number | string
  at: number
  user_id: string | null
  username: string | null
  ip: string | null
  action: string
  entity: string
  entity_id: string | null
  node_id: string | null
  node_name?: string | null
  detail: unknown
}

export interface AuditFilters {
  node: string | null
  /** A username or user id, as typed. */
  user: string
  /** Shanghai calendar dates "YYYY-MM-DD", both ends included. */
  period: [string, string] | null
}

/** The query parameters of GET /api/v1/audit. */
export interface AuditQuery {
  node?: string
  user?: string
  /** Epoch milliseconds: the start of the first day and the end of the last, in Shanghai. */
  from?: number
  to?: number
}

export function auditQuery(f: AuditFilters): AuditQuery {
  const user = f.user.trim()
  return {
    node: f.node ?? undefined,
    user: user || undefined,
    from: f.period ? shanghaiDayStart(f.period[0]) : undefined,
    to: f.period ? shanghaiDayEnd(f.period[1]) : undefined,
  }
}
