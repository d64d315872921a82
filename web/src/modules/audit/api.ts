// The audit log's requests.
import { api, type Page } from '../../api'
import type { AuditEntry, AuditQuery } from './model'

/** One page of GET /api/v1/audit, newest first, within the user's scope. */
export function listAudit(q: AuditQuery, cursor: string | null, limit: number): Promise<Page<AuditEntry>> {
  return api.get<Page<AuditEntry>>('/api/v1/audit', { ...q, cursor, limit })
}
