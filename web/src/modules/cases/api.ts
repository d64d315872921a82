// The case pages' requests (投诉管理): cases and their workflow actions, attachments, categories
// and time limits, and the case reports (inbox counts, statistics, the .xlsx exports).
import { api, request, type Query } from '../../api'
import { download } from '../../shared/download'
import type { Staff } from '../org/model'
import {
  actionPath,
  type Assignee,
  type AttachmentList,
  type CaseAction,
  type CaseContact,
  type CaseCounts,
  type CaseDetail,
  type CasePage,
  type CaseStats,
  type CategoriesAnswer,
  type Category,
  type CategorySuggestion,
  type Sla,
  type SlaChange,
} from './model'

// ---- cases ----
/** One page of GET /api/v1/cases (the inbox's tab and filters, or a tracking code). */
export function listCases(q: Query): Promise<CasePage> {
  return api.get<CasePage>('/api/v1/cases', q)
}
export function getCase(id: string): Promise<CaseDetail> {
  return api.get<CaseDetail>(`/api/v1/cases/${id}`)
}
/** Registers a case taken by phone, letter or visit (热线登记). */
export function createCase(body: Record<string, unknown>): Promise<CaseDetail> {
  return api.post<CaseDetail>('/api/v1/cases', body)
}
/** The complainant's name and phone; the server audits each reveal. */
export function revealContact(id: string): Promise<CaseContact> {
  return api.get<CaseContact>(`/api/v1/cases/${id}/contact`)
}
/** Takes a workflow action (POST /api/v1/cases/{id}/{action's path}). */
export function takeAction(id: string, action: CaseAction, body: Record<string, unknown>): Promise<unknown> {
  return api.post(`/api/v1/cases/${id}/${actionPath(action)}`, body)
}
/** Users a case may be assigned or transferred to. */
export async function searchAssignees(id: string, q: string): Promise<Assignee[]> {
  return (await api.get<{ items: Assignee[] }>(`/api/v1/cases/${id}/assignees`, { q, limit: 20 })).items
}
/** Staff a case may name as the person complained about. */
export async function searchCaseStaff(id: string, q: string): Promise<Staff[]> {
  return (await api.get<{ items: Staff[] }>(`/api/v1/cases/${id}/staff`, { q, limit: 20 })).items
}

// ---- attachments ----
export function listAttachments(caseId: string): Promise<AttachmentList> {
  return request<AttachmentList>('GET', `/api/v1/cases/${caseId}/attachments`)
}
export function uploadAttachment(caseId: string, file: File): Promise<unknown> {
  return request('POST', `/api/v1/cases/${caseId}/attachments`, { query: { name: file.name }, blob: file })
}

// ---- categories and time limits ----
export function getCategories(): Promise<CategoriesAnswer> {
  return api.get<CategoriesAnswer>('/api/v1/cases/categories')
}
export async function listCategories(): Promise<Category[]> {
  return (await getCategories()).items ?? []
}
export function saveCategory(code: string, body: Record<string, unknown>): Promise<unknown> {
  return request('PUT', `/api/v1/cases/categories/${encodeURIComponent(code)}`, { json: body })
}
/** The category the server's keyword rules give to a text. */
export function suggestCategory(content: string): Promise<CategorySuggestion> {
  return api.post<CategorySuggestion>('/api/v1/cases/suggest-category', { content })
}
export async function listSlas(): Promise<Sla[]> {
  return (await api.get<{ items: Sla[] }>('/api/v1/cases/sla')).items ?? []
}
export function saveSla(type: string, change: SlaChange): Promise<Sla> {
  return request<Sla>('PUT', `/api/v1/cases/sla/${encodeURIComponent(type)}`, { json: change })
}

// ---- reports ----
/** Open cases per inbox tab under a node (the user's scope when none). */
export function getCaseCounts(node: string | null | undefined): Promise<CaseCounts> {
  return api.get<CaseCounts>('/api/v1/case-reports/counts', { node })
}
export function getCaseStats(q: Query): Promise<CaseStats> {
  return api.get<CaseStats>('/api/v1/case-reports/stats', q)
}
/** The case list (.xlsx) with the inbox's tab and filters. */
export function downloadCaseList(q: Query, name: string): Promise<boolean> {
  return download('/api/v1/case-reports/cases.xlsx', q, name)
}
/** The statistics workbook (.xlsx) for the page's filters. */
export function downloadCaseStats(q: Query, name: string): Promise<boolean> {
  return download('/api/v1/case-reports/stats.xlsx', q, name)
}
