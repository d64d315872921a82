// The rectification ledger (整改台账) as the console uses it: the JSON the server sends
// (/work/briefs/ledger-contract.md, docs/openapi.yaml), the vocabulary (statuses, sources), the
// action buttons from the server's `actions`, the deadline countdown in plain days, and the list
// filters ↔ the page's query string.
import type { Page, Query } from '../../api'

export const RECT_STATUSES = ['pending', 'rectifying', 'submitted', 'closed', 'cancelled'] as const
export type RectStatus = (typeof RECT_STATUSES)[number]
export const RECT_SOURCES = ['inspection', 'complaint', 'bad_review', 'self_inspection', 'supervision', 'indicator', 'manual'] as const
export type RectSource = (typeof RECT_SOURCES)[number]
/** The sources a person picks when raising an item by hand (the others come from their modules). */
export const MANUAL_SOURCES: RectSource[] = ['manual', 'inspection', 'self_inspection', 'supervision', 'indicator']
export const SEVERITIES = ['general', 'major'] as const

export interface RectUnit {
  id: string
  name: string
  path?: string
  /** Names from the owner's institution down to the unit: ['市第一人民医院', '内科']. */
  path_names?: string[]
}

/** The owner unit as people name it: 市第一人民医院 / 内科 (the unit's own name when the server gives no path). */
export function unitLabel(unit: RectUnit | null | undefined): string {
  if (!unit) return ''
  const names = (unit.path_names ?? []).filter((n) => !!n)
  return names.length ? names.join(' / ') : unit.name
}

export interface RectExtension {
  until: string
  reason: string
  requested_at?: number
}

export interface RectItem {
  id: string
  code: string
  unit: RectUnit
  responsible: string | null
  responsible_user_id?: string | null
  source: string
  source_ref: string | null
  source_id: string | null
  category: string | null
  problem: string
  cause: string | null
  measures: string | null
  hazard: boolean
  severity: string | null
  funds: string | number | null
  contingency: string | null
  status: string
  overdue: boolean
  deadline_at: number
  warn_at?: number | null
  level?: number
  redo_count: number
  extension: RectExtension | null
  public: boolean
  created_at: number
  updated_at: number
  closed_at: number | null
  verified_by: string | null
  /** Only on GET /{id}: what this user may do now. */
  actions?: string[]
}

export interface RectEvent {
  at: number
  actor?: string | null
  action: string
  status?: string | null
  note?: string | null
}

export interface RectAttachment {
  id: string
  name: string
  mime: string
  size: number
  at?: number
  by?: string | null
}

export interface RectDetail extends RectItem {
  timeline: RectEvent[]
  attachments: RectAttachment[]
  /** The caller holds rectification.handle on the owner unit (原因分析、整改措施、责任人…). */
  can_handle?: boolean
  /** The caller holds rectification.manage on the owner unit (问题、类别、整改时限、公示). */
  can_manage?: boolean
}

// ---- the manager's edit (问题描述、类别、整改时限、公示) ----

export interface ManageForm {
  problem: string
  category: string
  /** YYYY-MM-DD (Shanghai) */
  deadline: string
  public: boolean
}
export type ManageField = keyof ManageForm

export function manageFormOf(item: Pick<RectItem, 'problem' | 'category' | 'deadline_at' | 'public'>): ManageForm {
  return { problem: item.problem, category: item.category ?? '', deadline: deadlineDate(item.deadline_at), public: item.public }
}

/**
 * The PATCH body of what the form changed (trimmed; a cleared category as null; the deadline
 * only when another day was picked); empty when nothing changed.
 */
export function manageBody(item: Pick<RectItem, 'problem' | 'category' | 'deadline_at' | 'public'>, f: ManageForm): Record<string, string | boolean | null> {
  const was = manageFormOf(item)
  const out: Record<string, string | boolean | null> = {}
  if (f.problem.trim() !== was.problem.trim()) out.problem = f.problem.trim()
  if (f.category.trim() !== was.category.trim()) out.category = f.category.trim() || null
  if (f.deadline && f.deadline !== was.deadline) out.deadline = f.deadline
  if (f.public !== was.public) out.public = f.public
  return out
}

/** The form field a server error names (422 field, or the 409 of a closed item on the deadline). */
export function manageFieldOf(field: string | null | undefined): ManageField | null {
  switch (field) {
    case 'problem':
    case 'category':
    case 'deadline':
      return field
    case 'public':
      return 'public'
    default:
      return null
  }
}

// ---- 责任人 suggestions ----

export interface StaffLike {
  name: string
  title?: string | null
  node_name?: string | null
}
export interface ResponsibleOption {
  /** What goes into the 责任人 box: the person's name. */
  value: string
  /** What else tells two people apart: 主治医师 · 内科. */
  detail: string
}
/** The staff found as suggestions: one per name and detail, in the server's order. */
export function responsibleOptions(staff: readonly StaffLike[]): ResponsibleOption[] {
  const seen = new Set<string>()
  const out: ResponsibleOption[] = []
  for (const s of staff) {
    const value = (s.name ?? '').trim()
    if (!value) continue
    const detail = [s.title, s.node_name].filter((x) => !!x && String(x).trim()).join(' · ')
    const key = value + '\u0000' + detail
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ value, detail })
  }
  return out
}

export type RectPage = Page<RectItem>

export interface RectCounts {
  total: number
  pending: number
  rectifying: number
  submitted: number
  closed: number
  cancelled: number
  overdue: number
}

/** One bad row of an import (422): the row number, the column's name and what is wrong. */
export interface RectImportRow {
  row: number
  field: string
  message: string
}
export interface RectImportAnswer {
  imported: number
  /** Existing items edited by rows with 编号. */
  updated: number
  rows: RectImportRow[]
}

// ---- status and actions ----

/** Tag colour of a status. */
export function statusTag(status: string): 'primary' | 'success' | 'info' | 'warning' | 'danger' {
  switch (status) {
    case 'pending':
      return 'warning'
    case 'rectifying':
      return 'primary'
    case 'submitted':
      return 'danger'
    case 'closed':
      return 'success'
    default:
      return 'info'
  }
}

export function isOpen(status: string): boolean {
  return status === 'pending' || status === 'rectifying' || status === 'submitted'
}

/** Every action of the contract, in the order of the buttons. */
export const RECT_ACTIONS = ['start', 'submit', 'verify', 'redo', 'request_extension', 'approve_extension', 'refuse_extension', 'cancel'] as const
export type RectAction = (typeof RECT_ACTIONS)[number]

/** The buttons to show: the server's own list, in button order, unknown codes left out. */
export function allowedActions(actions: readonly string[] | null | undefined): RectAction[] {
  const set = new Set(actions ?? [])
  return RECT_ACTIONS.filter((a) => set.has(a))
}

/** What an action's dialog asks for: a note (整改情况, 验收意见) or a reason, and a date. */
export interface ActionForm {
  /** What the text box is sent as; 'none': the action takes no text (开始整改). */
  text: 'note' | 'reason' | 'none'
  textRequired: boolean
  until: 'none' | 'optional' | 'required'
}
export function actionForm(a: RectAction): ActionForm {
  switch (a) {
    case 'submit':
      return { text: 'note', textRequired: true, until: 'none' }
    case 'redo':
      return { text: 'reason', textRequired: true, until: 'optional' }
    case 'request_extension':
      return { text: 'reason', textRequired: true, until: 'required' }
    case 'cancel':
      return { text: 'reason', textRequired: true, until: 'none' }
    case 'refuse_extension':
      return { text: 'reason', textRequired: false, until: 'none' }
    case 'start':
      return { text: 'none', textRequired: false, until: 'none' }
    default: // verify, approve_extension
      return { text: 'note', textRequired: false, until: 'none' }
  }
}

/** The body an action sends: only what its dialog asks for, trimmed, empty parts left out. */
export function actionBody(a: RectAction, text: string, until: string | null | undefined): Record<string, string> {
  const f = actionForm(a)
  const out: Record<string, string> = {}
  const v = text.trim()
  if (v && f.text !== 'none') out[f.text] = v
  if (f.until !== 'none' && until) out.until = until
  return out
}

// ---- deadline ----

const DAY_MS = 86_400_000
const SHANGHAI_MS = 8 * 3600_000
/** The Asia/Shanghai calendar day number of an instant (days since 1970-01-01 there). */
function shanghaiDayNo(ms: number): number {
  return Math.floor((ms + SHANGHAI_MS) / DAY_MS)
}

/** The deadline's Shanghai date as YYYY-MM-DD. */
export function deadlineDate(ms: number | null | undefined): string {
  if (!ms) return ''
  return new Date(ms + SHANGHAI_MS).toISOString().slice(0, 10)
}

export interface Countdown {
  /** Plain calendar days (weekends and holidays counted) between today and the deadline's day. */
  days: number
  /** The deadline has passed. */
  overdue: boolean
  /** Due today (not yet passed). */
  today: boolean
}

/**
 * Days left to an open item's deadline in plain calendar days — the day of the deadline minus
 * today, in Shanghai — or null for an item that is done (closed, cancelled) or has no deadline.
 * Once the deadline has passed: overdue, with the days since (0 on the day itself).
 */
export function countdown(item: Pick<RectItem, 'deadline_at' | 'status'>, now: number = Date.now()): Countdown | null {
  if (!item.deadline_at || !isOpen(item.status)) return null
  const days = shanghaiDayNo(item.deadline_at) - shanghaiDayNo(now)
  if (now > item.deadline_at) return { days: Math.max(0, -days), overdue: true, today: false }
  return { days, overdue: false, today: days === 0 }
}

// ---- filters ↔ query string ----

export interface RectFilters {
  node: string | null
  source: string
  status: string
  overdue: boolean
  from: string
  to: string
  q: string
}

export function emptyFilters(): RectFilters {
  return { node: null, source: '', status: '', overdue: false, from: '', to: '', q: '' }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
type RouteQuery = Record<string, string | null | (string | null)[] | undefined>
function one(v: RouteQuery[string]): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s : ''
}

/** The page's filters from its query string (a shared or reloaded link); unknown values dropped. */
export function filtersFromQuery(q: RouteQuery): RectFilters {
  const f = emptyFilters()
  const node = one(q.node)
  if (/^\d+$/.test(node)) f.node = node
  const source = one(q.source)
  if ((RECT_SOURCES as readonly string[]).includes(source)) f.source = source
  const status = one(q.status)
  if ((RECT_STATUSES as readonly string[]).includes(status)) f.status = status
  f.overdue = one(q.overdue) === '1'
  const from = one(q.from)
  const to = one(q.to)
  if (DATE.test(from)) f.from = from
  if (DATE.test(to)) f.to = to
  f.q = one(q.q).slice(0, 100)
  return f
}

/** The filters as a query: for the page's URL and for the list, counts-free export requests. */
export function filtersToQuery(f: RectFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.node) out.node = f.node
  if (f.source) out.source = f.source
  if (f.status) out.status = f.status
  if (f.overdue) out.overdue = '1'
  if (f.from) out.from = f.from
  if (f.to) out.to = f.to
  const q = f.q.trim()
  if (q) out.q = q
  return out
}

/** The list request's query: the filters, the cursor and the page size. */
export function listQuery(f: RectFilters, cursor: string | null, limit: number): Query {
  return { ...filtersToQuery(f), cursor, limit }
}

/** The case an item came from, when it came from one (投诉 or 差评) and the server names it. */
export function sourceCasePath(item: Pick<RectItem, 'source' | 'source_id'>): string | null {
  if ((item.source === 'complaint' || item.source === 'bad_review') && item.source_id && /^\d+$/.test(item.source_id))
    return `/cases/${item.source_id}`
  return null
}

export function isImage(mime: string | null | undefined): boolean {
  return /^image\/(jpeg|png|gif|webp)$/.test(mime ?? '')
}
