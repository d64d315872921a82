// The follow-up pages' requests (出院回访): tasks and their counts, the call screen and its
// outcome, the import of discharged patients and its template, and the follow-up rate.
import { api, type Page, type Query } from '../../api'
import { download } from '../../shared/download'
import { uploadImport } from '../imports/api'
import type { ImportAnswer } from '../imports/model'
import type { CallScreen, FollowupCounts, FollowupRate, FollowupTask, OutcomeResult } from './model'

/** One page of tasks (?node, ?status = open | all | a state, ?due = today | overdue). */
export function listTasks(q: Query, cursor: string | null, limit: number): Promise<Page<FollowupTask>> {
  return api.get<Page<FollowupTask>>('/api/v1/followups/tasks', { ...q, cursor, limit })
}
export function getTaskCounts(node: string | null): Promise<FollowupCounts> {
  return api.get<FollowupCounts>('/api/v1/followups/counts', { node })
}
/** The call screen of one task (opening it is audited: it shows the patient's phone). */
export function getCallScreen(id: string): Promise<CallScreen> {
  return api.get<CallScreen>(`/api/v1/followups/tasks/${id}`)
}
export function recordOutcome(id: string, body: Record<string, unknown>): Promise<OutcomeResult> {
  return api.post<OutcomeResult>(`/api/v1/followups/tasks/${id}/outcome`, body)
}
/** Imports discharged patients (.xlsx or CSV) as tasks under a unit. */
export function importPatients(file: Blob, q: { node: string | null; days?: number; valid_rows_only?: 'true' }): Promise<ImportAnswer> {
  return uploadImport('/api/v1/followups/import', file, q)
}
export function downloadPatientTemplate(node: string | null): Promise<boolean> {
  return download('/api/v1/followups/import/template', { node }, 'followup-patients.csv')
}
/** The follow-up rate per department for a node and period. */
export async function listRates(q: Query): Promise<FollowupRate[]> {
  return (await api.get<{ items: FollowupRate[] }>('/api/v1/followups/rates', q)).items ?? []
}
