// Inspection requests (docs/openapi-inspect.yaml): plans, tasks (mine or the planner's),
// performing a task with a draft id, inspections with their photos, publishing, confirming
// findings into the ledger, and the coverage board.
import { api, request, type Page, type Query } from '../../api'
import type { Coverage, Finding, Inspection, InspectionDetail, InspectionPhoto, Performed, Plan, Task, TaskDetail } from './model'
import type { FormAnswer } from '../forms/model'

export const listPlans = (q: Query = {}) => api.get<Page<Plan>>('/api/v1/inspection-plans', q)
export const getPlan = (id: string) => api.get<Plan>(`/api/v1/inspection-plans/${id}`)
export const createPlan = (body: Record<string, unknown>) => api.post<Plan>('/api/v1/inspection-plans', body)
export const patchPlan = (id: string, body: Record<string, unknown>) => api.patch<Plan>(`/api/v1/inspection-plans/${id}`, body)
/** Archives the plan (停用: no more tasks; its tasks and results stay). */
export const archivePlan = (id: string) => api.del<void>(`/api/v1/inspection-plans/${id}`)

export const listTasks = (q: Query = {}) => api.get<Page<Task>>('/api/v1/inspection-tasks', q)
export const getTask = (id: string) => api.get<TaskDetail>(`/api/v1/inspection-tasks/${id}`)
/** Performs a task; the same draft_id sent again answers the stored inspection (replayed). */
export const performTask = (id: string, body: { draft_id: string; answers: Record<string, FormAnswer>; notes: Record<string, string> }) =>
  api.post<Performed>(`/api/v1/inspection-tasks/${id}/inspection`, body)

export const listInspections = (q: Query = {}) => api.get<Page<Inspection>>('/api/v1/inspections', q)
export const getInspection = (id: string) => api.get<InspectionDetail>(`/api/v1/inspections/${id}`)
export const publishInspection = (id: string) => api.post<Inspection>(`/api/v1/inspections/${id}/publish`, {})
/**
 * Confirms findings into the ledger. public true shows the items on the unit's public page (else
 * the server's default); severity makes a finding a 隐患 (general: 10 working days, major: 5);
 * deadline (YYYY-MM-DD) replaces the default limit of every item made.
 */
export interface ConfirmOptions {
  public?: boolean
  severity?: Record<string, 'general' | 'major'>
  deadline?: string
}
export function confirmFindings(id: string, findings: string[], opts: ConfirmOptions = {}) {
  const body: Record<string, unknown> = { findings }
  if (opts.public) body.public = true
  if (opts.severity && Object.keys(opts.severity).length) body.severity = opts.severity
  if (opts.deadline) body.deadline = opts.deadline
  return api.post<{ findings: Finding[] }>(`/api/v1/inspections/${id}/findings/confirm`, body)
}
export function addInspectionPhoto(id: string, item: string, blob: Blob, name: string): Promise<InspectionPhoto> {
  return request<InspectionPhoto>('POST', `/api/v1/inspections/${id}/photos`, { query: { item, name }, blob, contentType: blob.type || 'image/jpeg' })
}
export const inspectionPhotoUrl = (id: string, pid: string) => `/api/v1/inspections/${id}/photos/${pid}`

/** Who may inspect all of a node's subtree (the plan dialog's picker; inspection.plan on the node). */
export interface InspectorRow {
  id: string
  username: string
  display_name: string
  node_name: string
}
export const listInspectors = (node: string, q = '') =>
  api.get<{ items: InspectorRow[] }>('/api/v1/inspection-inspectors', { node, q: q || undefined, limit: 200 })

export const getCoverage = (plan: string, period?: string) => api.get<Coverage>('/api/v1/inspection-coverage', { plan, period })
