// Follow-up (出院回访) tasks, the call screen, the follow-up rate, and the rules the pages show.
import type { PublicSurvey } from '../satisfaction/model'

/** A task's states; open = pending or not_reached. */
export const FOLLOWUP_STATUSES = ['pending', 'not_reached', 'reached', 'refused', 'unreachable'] as const
/** The outcomes of one call (unreachable is offered by the server after repeated failed calls). */
export const OUTCOMES = ['reached', 'not_reached', 'refused'] as const

export interface FollowupTask {
  id: string
  unit_id: string
  unit_name: string
  node_id: string
  node_name: string
  node_code: string
  name: string
  phone: string
  discharge_date: string
  due_date: string
  /** 应访日期: the due date, or the day of the latest 预约回访时间 */
  call_date: string
  callback_at: number | null
  status: string
  status_label: string
  attempts: number
  rating_id: string | null
  note: string
  handled_at: number | null
}

export interface CallScreen extends FollowupTask {
  patient_name: string
  patient_phone: string
  script: string
  point_id: string
  survey: PublicSurvey
  /** The outcomes the caller may record now (unreachable after unreachable_after failed calls). */
  outcomes: { code: string; label: string }[]
  unreachable_after: number
  history: FollowupAttempt[]
  earlier_ratings: { id: string; date: string; created_at: number; overall: number; channel: string; node_name: string; unit_name: string; comment: string; status: string; case_id: string | null }[]
  earlier_cases: { id: string; tracking_code: string; type: string; type_name: string; status: string; status_name: string; received_at: number; node_name: string; summary: string }[]
}

export interface FollowupAttempt {
  id: string
  outcome: string
  outcome_label: string
  note: string
  callback_at: number | null
  rating_id: string | null
  case_id: string | null
  by: string
  at: number
}

export interface FollowupRate {
  node_id: string
  name: string
  due: number
  contacted: number
  reached: number
  pending: number
  unreachable: number
  rate: number
  target: number
  met: boolean
}

/** GET /api/v1/followups/counts: open tasks, due today, overdue and done. */
export type FollowupCounts = Record<string, number>

/** POST /api/v1/followups/tasks/{id}/outcome: the bad-review case a reached call's rating opened. */
export interface OutcomeResult {
  case_id: string | null
  case_code: string | null
}

/** A task still to be called: pending, or called without reaching the patient. */
export function isOpenTask(status: string): boolean {
  return status === 'pending' || status === 'not_reached'
}

/** An open task whose call date (yyyy-mm-dd) is before today. */
export function isOverdue(row: Pick<FollowupTask, 'status' | 'call_date'>, today: string): boolean {
  return isOpenTask(row.status) && row.call_date < today
}

/** The tag colour of a task's state. */
export function statusType(s: string): 'success' | 'info' | 'warning' | 'primary' {
  if (s === 'reached') return 'success'
  if (s === 'refused' || s === 'unreachable') return 'info'
  if (s === 'not_reached') return 'warning'
  return 'primary'
}

/** Departments with follow-ups due first (lowest rate first), then the rest by name. */
export function sortRates<T extends Pick<FollowupRate, 'due' | 'rate' | 'name'>>(items: T[]): T[] {
  return [...items].sort((a, b) => (b.due > 0 ? 1 : 0) - (a.due > 0 ? 1 : 0) || (a.due > 0 ? a.rate - b.rate : 0) || a.name.localeCompare(b.name, 'zh-CN'))
}
