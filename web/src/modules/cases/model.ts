// The cases API as the console uses it: types of the JSON the server sends, the vocabulary
// (type, state, channel, outcome codes) and which workflow actions a user may take.
import type { Page } from '../../api'

export const CASE_TYPES = ['complaint', 'bad_review', 'report', 'suggestion', 'praise', 'consultation', 'hotline', 'adverse_event'] as const
export const PUBLIC_TYPES = ['complaint', 'suggestion', 'praise', 'report', 'consultation'] as const
export const CASE_STATUSES = ['pending', 'processing', 'waiting', 'replied', 'closed', 'rejected', 'merged'] as const
export const CASE_CHANNELS = ['web', 'mobile', 'hotline', 'letter', 'visit', 'opinion_box', 'transfer_12345', 'survey', 'staff_report', 'inspection'] as const
/** The channels an operator types in by hand (热线登记). */
export const ENTRY_CHANNELS = ['hotline', 'letter', 'visit', 'opinion_box', 'transfer_12345'] as const
export const OUTCOMES = ['substantiated', 'partly', 'unsubstantiated'] as const
export const CALLBACK_RESULTS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const

export interface Ref {
  id: string
  name: string
}

/** Someone who may be assigned a case (GET /api/v1/cases/{id}/assignees). */
export interface Assignee {
  id: string
  username: string
  display_name: string
  node_name: string
}

export interface CaseEvent {
  id?: string
  at: number
  action: string
  status: string
  status_name?: string
  note: string
  actor?: string
  actor_id?: string | null
  node?: Ref | null
  public?: boolean
}

export interface CaseRow {
  id: string
  tracking_code: string
  type: string
  type_name?: string
  channel: string
  channel_name?: string
  status: string
  status_name?: string
  node: Ref | null
  owner: Ref | null
  unit_id?: string
  transfer_to: Ref | null
  assignee: Ref | null
  category: string
  category_name?: string
  sensitive: boolean
  multi_dept: boolean
  complainant?: string
  phone?: string
  received_at: number
  /** The latest reopening (重办): the current deadline runs from it. received_at never changes. */
  reopened_at?: number | null
  sla_days?: number
  warn_at?: number
  deadline_at: number
  paused: boolean
  level: number
  level_name?: string
  overdue: boolean
  replied_at: number | null
  late: boolean
  outcome: string
  outcome_name?: string
  callback_result: string
  callback_name?: string
  reopen_count: number
  closed_at: number | null
  created_at: number
  updated_at: number
  summary?: string
  /** Keywords that chose the category (when the server reports them). */
  matched_keywords?: string[]
}

export interface CaseDetail extends CaseRow {
  content: string
  supervise_at?: number
  transfer_note?: string
  extension_request: { days: number; reason: string; by: string } | null
  extended_days: number
  reply: string
  measures: string
  needs_rectification?: boolean
  callback_at: number | null
  merged_into: string | null
  source_rating_id?: string | null
  has_contact?: boolean
  events: CaseEvent[]
  possible_duplicates?: { id: string; tracking_code: string; status: string; status_name?: string; received_at: number }[]
  /** Actions the server allows the current user: sent by GET /api/v1/cases/{id}, not by the action answers. */
  actions?: string[]
  attachments?: { id: string; name: string; size?: number; content_type?: string; url?: string }[]
}

/** A case attachment (附件) as GET /api/v1/cases/{id}/attachments lists it (metadata only). */
export interface CaseAttachment {
  id: string
  name: string
  size: number
  content_type: string
  source: 'public' | 'staff'
  uploader: string
  uploaded_by: string | null
  event_id: string | null
  sha256: string
  created_at: number
}
export interface AttachmentList {
  items: CaseAttachment[]
  can_upload: boolean
  max_files: number
  max_bytes: number
}

/** 1.2 MB, 340 KB, 12 B. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`
  if (n >= 1024) return `${Math.round(n / 1024)} KB`
  return `${n} B`
}

export type CasePage = Page<CaseRow>

export interface Category {
  code: string
  name: string
  name_en?: string
  keywords: string
  sensitive: boolean
  sort: number
  active: boolean
  parent?: string | null
}

/** A code of the server's vocabularies with its names. */
export interface Vocab {
  code: string
  name: string
  name_en?: string
}
/** GET /api/v1/cases/categories: the categories and the vocabularies. */
export interface CategoriesAnswer {
  items: Category[]
  types?: Vocab[]
  channels?: Vocab[]
  statuses?: Vocab[]
}

export interface Sla {
  type: string
  name: string
  reply_days: number
  multi_days: number
  warn_ratio: number
  bureau_after_days: number
  needs_callback: boolean
}

export interface CaseStats {
  total: number
  open: number
  overdue: number
  warning: number
  by_status: Record<string, number>
  replied: number
  on_time_rate: number | null
  callbacks: number
  satisfied: number
  basically_satisfied: number
  unsatisfied: number
  satisfaction_rate: number | null
  // Richer figures, when the server sends them.
  by_type?: Record<string, number> | { code: string; name?: string; count: number }[]
  by_category?: Record<string, number> | { code: string; name?: string; count: number }[]
  by_unit?: {
    id?: string
    name: string
    count: number
    overdue?: number
    /** The n of each rate: replied (on time, handling time), handled (reopen rate), callbacks (satisfaction). */
    replied?: number
    handled?: number
    reopened?: number
    callbacks?: number
    on_time_rate?: number | null
    avg_handling_days?: number | null
    reopen_rate?: number | null
    satisfaction_rate?: number | null
  }[]
  /** By department (科室) in the caller's scope; id null = about the institution as a whole. */
  by_department?: {
    id: string | null
    name: string
    unit_id: string
    unit_name: string
    count: number
    overdue: number
    replied?: number
    handled?: number
    reopened?: number
    callbacks?: number
    on_time_rate: number | null
    avg_handling_days: number | null
    reopen_rate: number | null
    satisfaction_rate: number | null
  }[]
  avg_handling_days?: number | null
  reopen_rate?: number | null
  reopened?: number
  /** The reopen rate's n: answered or reopened. */
  handled?: number
}

/** Every workflow action the console offers, in the order the buttons appear. */
export const ACTIONS = [
  'accept',
  'transfer_accept',
  'transfer_decline',
  'assign',
  'transfer',
  'return',
  'reject',
  'pause',
  'resume',
  'extension',
  'extension_decide',
  'reply',
  'callback',
  'close',
  'merge',
  'supervise',
  'note',
] as const
export type CaseAction = (typeof ACTIONS)[number]

/** Tag colour of a state. */
export function statusTag(status: string): 'primary' | 'success' | 'info' | 'warning' | 'danger' {
  switch (status) {
    case 'pending':
    case 'returned':
      return 'warning'
    case 'processing':
    case 'accepted':
    case 'in_progress':
    case 'reopened':
      return 'primary'
    case 'waiting':
    case 'merged':
    case 'rejected':
      return 'info'
    case 'replied':
    case 'awaiting_callback':
      return 'primary'
    case 'closed':
      return 'success'
    default:
      return 'info'
  }
}

const OPEN = new Set(['pending', 'processing', 'waiting', 'accepted', 'in_progress', 'reopened', 'returned'])
export function isOpen(status: string): boolean {
  return OPEN.has(status)
}

/**
 * The actions the current user may take on a case: the server's own list (GET /api/v1/cases/{id}
 * sends it, decided by the same rules that then check each action), in the order of the buttons.
 */
export function allowedActions(c: Pick<CaseDetail, 'actions'>): CaseAction[] {
  const set = new Set(c.actions ?? [])
  return ACTIONS.filter((a) => set.has(a))
}

/** The endpoint (under /api/v1/cases/{id}/) of an action. */
export function actionPath(a: CaseAction): string {
  switch (a) {
    case 'transfer_accept':
      return 'transfer/accept'
    case 'transfer_decline':
      return 'transfer/decline'
    case 'extension_decide':
      return 'extension/decide'
    case 'note':
      return 'notes'
    default:
      return a
  }
}

/** "138****1234" style masking for phone numbers shown in lists (the server masks too). */
export function maskPhone(p: string): string {
  const d = p.replace(/\s+/g, '')
  if (d.length < 7) return d.replace(/.(?=.{2})/g, '*')
  return d.slice(0, 3) + '****' + d.slice(-4)
}

/** A mainland mobile (1[3-9]xxxxxxxxx) or a landline (0xx-xxxxxxx[x], with or without dash). */
export function validPhone(p: string): boolean {
  const d = p.replace(/[\s-]/g, '')
  return /^1[3-9]\d{9}$/.test(d) || /^0\d{9,11}$/.test(d) || /^\d{7,8}$/.test(d)
}

/** A 查询码 typed in a search box (10 letters and digits; dashes, spaces and case ignored), or null. */
export function asTrackingCode(s: string): string | null {
  const norm = s.replace(/[\s-]/g, '').toUpperCase()
  return /^[A-Z0-9]{10}$/.test(norm) ? norm : null
}

/** GET /api/v1/case-reports/counts: open cases per inbox tab. */
export interface CaseCounts {
  mine: number
  unit: number
  due_soon: number
  overdue: number
  supervised: number
}

/** The complainant's contact, revealed on request (audited). */
export interface CaseContact {
  name: string
  phone: string
}

/** POST /api/v1/cases/suggest-category: the category the words point to. */
export interface CategorySuggestion {
  category: string
  category_name?: string
  matched?: string[]
  keywords?: string[]
}

/** The editable part of an SLA row (PUT /api/v1/cases/sla/{type}). */
export type SlaChange = Pick<Sla, 'reply_days' | 'multi_days' | 'warn_ratio' | 'bureau_after_days' | 'needs_callback'>
