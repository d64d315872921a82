// The rectification ledger's requests (整改台账): items and their counts, one item, its edits,
// workflow actions and evidence, the .xlsx export and the bulk import.
import { ApiError, api, request, type Query } from '../../api'
import { download } from '../../shared/download'
import type { RectAction, RectAttachment, RectCounts, RectDetail, RectImportAnswer, RectImportRow, RectItem, RectPage } from './model'

const BASE = '/api/v1/rectifications'

/** One page of the ledger, newest first (filters, cursor, limit). */
export function listRectifications(q: Query): Promise<RectPage> {
  return api.get<RectPage>(BASE, q)
}
/** Items per status under a node (the user's scope when none). */
export function getRectCounts(node: string | null | undefined): Promise<RectCounts> {
  return api.get<RectCounts>(`${BASE}/counts`, { node })
}
/** Raises an item (rectification.manage); the server answers 201 with the item. */
export function createRectification(body: Record<string, unknown>): Promise<RectItem> {
  return api.post<RectItem>(BASE, body)
}
export function getRectification(id: string): Promise<RectDetail> {
  return api.get<RectDetail>(`${BASE}/${id}`)
}
/** Edits an item: cause/measures/responsible/funds/contingency (owner) or problem/deadline/public/category (manage). */
export function patchRectification(id: string, body: Record<string, unknown>): Promise<RectItem> {
  return api.patch<RectItem>(`${BASE}/${id}`, body)
}
export function rectAction(id: string, action: RectAction, body: Record<string, unknown>): Promise<unknown> {
  return api.post(`${BASE}/${id}/actions/${action}`, body)
}

// ---- evidence ----
export function uploadEvidence(id: string, file: File): Promise<RectAttachment> {
  return request<RectAttachment>('POST', `${BASE}/${id}/attachments`, { query: { name: file.name }, blob: file })
}
export function evidenceUrl(id: string, aid: string): string {
  return `${BASE}/${id}/attachments/${aid}`
}

// ---- export and import ----
/** The ledger in the layout bureaus file (.xlsx), with the list's filters. */
export function downloadLedger(q: Query, name: string): Promise<boolean> {
  return download(`${BASE}/export.xlsx`, q, name)
}

/**
 * Uploads a ledger (.xlsx or .csv). A 422 that lists bad rows is an answer (nothing was stored):
 * it comes back as `rows`; any other failure is thrown.
 */
export async function importLedger(file: Blob): Promise<RectImportAnswer> {
  try {
    const r = await request<{ imported?: number; updated?: number }>('POST', `${BASE}/import`, { blob: file, contentType: file.type || 'application/octet-stream' })
    return { imported: r?.imported ?? 0, updated: r?.updated ?? 0, rows: [] }
  } catch (e) {
    const rows = e instanceof ApiError ? (e.body as { rows?: RectImportRow[] } | undefined)?.rows : undefined
    if (e instanceof ApiError && e.status === 422 && Array.isArray(rows) && rows.length) return { imported: 0, updated: 0, rows }
    throw e
  }
}
