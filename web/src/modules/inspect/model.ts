// Inspections (明查暗访、检查计划、检查任务、检查记录, docs/openapi-inspect.yaml): the API's types, the
// words the pages show, the plan form's checks, the coverage board's arithmetic, and the offline
// draft queue of the phone page (我的检查任务). The queue's logic is plain functions over an
// injected store and API (tested in model.test.ts); drafts.ts keeps the drafts in IndexedDB.
import type { Definition, FillValue, FormAnswer, ItemResult, ScoreResult } from '../forms/model'
import { formAnswers, formNotes } from '../forms/model'

export const CADENCES = ['daily', 'weekly', 'monthly', 'quarterly', 'once'] as const
export type Cadence = (typeof CADENCES)[number]
export const TASK_STATUSES = ['due', 'overdue', 'done'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]
export const NODE_KINDS = ['institution', 'department', 'point', 'county'] as const

export interface Plan {
  id: string
  name: string
  owner: { id: string; name: string }
  template: { id: string; name: string }
  scope_node_id: string | null
  node_kind: string | null
  node_ids: string[]
  cadence: Cadence
  window_from: string | null
  window_to: string | null
  covert: boolean
  self_inspection: boolean
  target: number
  inspectors: string[]
  active: boolean
  created_at: number
  updated_at: number
}

export interface Task {
  id: string
  plan: { id: string; name: string; covert: boolean; self_inspection: boolean; template: string } | null
  period: string
  unit: { id: string; name: string }
  starts_at: number
  due_at: number
  status: TaskStatus
  inspection_id: string | null
}
export interface TaskDetail extends Task {
  checklist: { version_id: string; version: number; definition: Definition }
  can_perform: boolean
}

export interface Finding {
  id: string
  item_id: string
  section: string
  label: string
  kind: 'deduction' | 'veto'
  deduction: number
  reason: string
  note: string | null
  rectification_id: string | null
}

export interface Inspection {
  id: string
  code: string
  task_id: string
  plan_id: string
  unit: { id: string; name: string }
  covert: boolean
  score: number
  grade: string
  vetoed: boolean
  created_at: number
  published_at: number | null
  confirmed_at: number | null
  inspector: string | null
}
export interface InspectionItem extends ItemResult {
  section: string
  label: string
}
export interface InspectionPhoto {
  id: string
  item_id: string
  name: string
  content_type: string
  size: number
  created_at: number
}
export interface InspectionDetail extends Inspection {
  template?: { id: string; name: string; version: number; version_id: string }
  subject?: string
  answers?: Record<string, FormAnswer>
  notes?: Record<string, string>
  items?: InspectionItem[]
  percentage?: number
  veto_items?: string[]
  findings: Finding[]
  photos: InspectionPhoto[]
}
export interface Performed extends Inspection {
  findings: Finding[]
  replayed: boolean
}

export interface CoverageUnit {
  task_id: string
  unit: { id: string; name: string }
  status: TaskStatus
  due_at: number
  inspection_id: string | null
  score: number | null
  vetoed: boolean
}
export interface Coverage {
  plan_id: string
  period: string
  total: number
  done: number
  due: number
  overdue: number
  rate: number
  target: number
  met: boolean
  units: CoverageUnit[]
}

// ---------------------------------------------------------------- words and small rules

/** The i18n key of a task's status (待检查 / 已逾期 / 已完成). */
export const taskStatusKey = (s: string) => `inspect.status.${TASK_STATUSES.includes(s as TaskStatus) ? s : 'due'}`
/** Element Plus tag type of a task status. */
export function taskStatusTag(s: string): 'warning' | 'danger' | 'success' {
  return s === 'done' ? 'success' : s === 'overdue' ? 'danger' : 'warning'
}
export const cadenceKey = (c: string) => `inspect.cadence.${CADENCES.includes(c as Cadence) ? c : 'monthly'}`
/** 暗访 / 明查 / 自查: the plan's way of inspecting. */
export function modeKey(p: { covert: boolean; self_inspection: boolean }): string {
  return p.self_inspection ? 'inspect.mode.self' : p.covert ? 'inspect.mode.covert' : 'inspect.mode.overt'
}
/** A share (0…1) as a whole percentage: 0.875 → "88%". */
export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—'
  return `${Math.round(share * 100)}%`
}
/** Whether the board's rate is under the plan's target (shown red). */
export function underTarget(c: Pick<Coverage, 'rate' | 'target' | 'total'>): boolean {
  return c.total > 0 && c.rate + 1e-9 < c.target
}
/** Where an inspection stands for the inspected unit: 未发布 (covert, hidden), 已发布. */
export function published(x: Pick<Inspection, 'covert' | 'published_at'>): boolean {
  return !x.covert || x.published_at !== null
}

/** The findings confirmed by default: every deduction and every veto not yet in the ledger. */
export function defaultConfirm(findings: readonly Finding[]): string[] {
  return findings.filter((f) => !f.rectification_id && (f.kind === 'veto' || f.deduction > 0)).map((f) => f.id)
}

/** The result FormResult shows, from an inspection's detail (points summed over counted items). */
export function scoreResult(x: InspectionDetail): ScoreResult {
  const items = x.items ?? []
  const counted = items.filter((i) => i.counted)
  return {
    score: x.score,
    grade: x.grade,
    vetoed: x.vetoed,
    veto_items: x.veto_items ?? [],
    percentage: x.percentage ?? 0,
    earned: counted.reduce((s, i) => s + i.earned, 0),
    possible: counted.reduce((s, i) => s + i.possible, 0),
    scored: true,
    items,
  }
}

// ---------------------------------------------------------------- the plan form

export interface PlanForm {
  name: string
  /** The planner's unit (计划单位): where the plan is read and managed; its results are the planner's side. */
  owner_node_id: string | null
  template_id: string
  scope_node_id: string | null
  node_kind: string
  cadence: Cadence
  window: [string, string] | null
  covert: boolean
  self_inspection: boolean
  /** percent, 1…100 */
  target: number
  inspectors: string[]
}

export function emptyPlanForm(): PlanForm {
  return { name: '', owner_node_id: null, template_id: '', scope_node_id: null, node_kind: '', cadence: 'monthly', window: null, covert: false, self_inspection: false, target: 100, inspectors: [] }
}
export function planToForm(p: Plan): PlanForm {
  return {
    name: p.name,
    owner_node_id: p.owner.id,
    template_id: p.template.id,
    scope_node_id: p.scope_node_id,
    node_kind: p.node_kind ?? '',
    cadence: p.cadence,
    window: p.window_from && p.window_to ? [p.window_from, p.window_to] : null,
    covert: p.covert,
    self_inspection: p.self_inspection,
    target: Math.round(p.target * 100),
    inspectors: [...p.inspectors],
  }
}

/** Fields a user must fix before the plan is sent: field → i18n key (the server checks the rest). */
export function checkPlanForm(f: PlanForm, editing = false): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.name.trim()) e.name = 'inspect.plan.err.name'
  if (!editing) {
    if (!f.template_id) e.template_id = 'inspect.plan.err.template'
    if (!f.scope_node_id) e.scope_node_id = 'inspect.plan.err.scope'
    if (f.cadence === 'once' && !f.window) e.window_from = 'inspect.plan.err.window'
  }
  if (!(f.target >= 1 && f.target <= 100)) e.target = 'inspect.plan.err.target'
  if (!f.self_inspection && !f.inspectors.length) e.inspectors = 'inspect.plan.err.inspectors'
  return e
}

/** The POST body of a new plan, or the PATCH body of an edit (what may change). */
export function planBody(f: PlanForm, editing = false): Record<string, unknown> {
  const common = { name: f.name.trim(), target: f.target / 100, inspectors: f.self_inspection ? [] : f.inspectors }
  if (editing) return f.cadence === 'once' && f.window ? { ...common, window_to: f.window[1] } : common
  return {
    ...common,
    owner_node_id: f.owner_node_id || undefined,
    template_id: f.template_id,
    scope_node_id: f.scope_node_id,
    node_kind: f.node_kind || undefined,
    cadence: f.cadence,
    window_from: f.cadence === 'once' ? f.window?.[0] : undefined,
    window_to: f.cadence === 'once' ? f.window?.[1] : undefined,
    covert: f.self_inspection ? false : f.covert,
    self_inspection: f.self_inspection,
  }
}
/**
 * The planner's unit by default: the node of the user's first grant whose role may plan
 * inspections (the inspector's 督查组 level, a hospital admin's hospital), so that a plan on a
 * department is owned above it and the department is not on the planner's side.
 */
export function defaultOwner(grants: readonly { role: string; node_id: string; node_name: string }[], planners: ReadonlySet<string>): { id: string; name: string } | null {
  const g = grants.find((x) => planners.has(x.role))
  return g ? { id: g.node_id, name: g.node_name } : null
}
/** The plan form's field a server error names ("window_to" → the window's picker). */
export function planField(field: string | undefined): string | null {
  if (!field) return null
  if (field === 'window_to') return 'window_from'
  if (field === 'node_ids') return 'scope_node_id'
  return field
}

// ---------------------------------------------------------------- the offline draft queue

/** A photo kept on the device until it is sent. */
export interface DraftPhoto {
  item: string
  name: string
  type: string
  blob: Blob
}
/** A task's draft as the device keeps it: made on first change, gone once everything is sent. */
export interface Draft {
  task_id: string
  /** The submission's key, made once per task draft: a replay returns the stored inspection. */
  draft_id: string
  answers: Record<string, FillValue>
  notes: Record<string, string>
  photos: DraftPhoto[]
  /** 提交 was pressed: send when the connection allows. */
  queued: boolean
  /** Set once the inspection is stored (photos may still be waiting). */
  inspection_id?: string
  updated_at: number
  /** The last refusal (not a network failure), as text: the draft waits for the user. */
  error?: string
}

export interface DraftStore {
  get(taskId: string): Promise<Draft | undefined>
  put(d: Draft): Promise<void>
  remove(taskId: string): Promise<void>
  all(): Promise<Draft[]>
}

/** A new draft id: 1…64 of A-Z a-z 0-9 _ - (the server's rule), unique per device and task. */
export function newDraftId(taskId: string, random: () => number = Math.random, now: number = Date.now()): string {
  const r = Math.floor(random() * 36 ** 8).toString(36).padStart(8, '0')
  return `t${taskId}-${now.toString(36)}-${r}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64)
}

/** The draft of a task with new answers, notes and photos (the draft id kept, or made once). */
export function updateDraft(
  prev: Draft | undefined,
  taskId: string,
  change: { answers: Record<string, FillValue>; notes: Record<string, string>; photos: DraftPhoto[] },
  now: number = Date.now(),
): Draft {
  return {
    task_id: taskId,
    draft_id: prev?.draft_id ?? newDraftId(taskId, Math.random, now),
    answers: change.answers,
    notes: change.notes,
    photos: change.photos,
    queued: prev?.queued ?? false,
    inspection_id: prev?.inspection_id,
    updated_at: now,
  }
}

/** Photos per item as FormRenderer takes them (File objects), and back. */
export function photosOfDraft(photos: readonly DraftPhoto[]): Record<string, File[]> {
  const out: Record<string, File[]> = {}
  for (const p of photos) {
    const f = p.blob instanceof File ? p.blob : new File([p.blob], p.name, { type: p.type })
    ;(out[p.item] ??= []).push(f)
  }
  return out
}
export function draftPhotos(chosen: Record<string, File[] | undefined>): DraftPhoto[] {
  return Object.entries(chosen).flatMap(([item, files]) => (files ?? []).map((f) => ({ item, name: f.name || 'photo', type: f.type, blob: f })))
}

/** Whether a failure is the connection's (keep the draft queued) rather than the server's answer. */
export function isNetworkFailure(e: unknown): boolean {
  const x = e as { status?: number; code?: string; name?: string } | null
  if (!x) return false
  return x.status === 0 || x.code === 'network_error' || x.name === 'TypeError'
}

export interface DraftApi {
  perform(taskId: string, body: { draft_id: string; answers: Record<string, FormAnswer>; notes: Record<string, string> }): Promise<{ id: string }>
  addPhoto(inspectionId: string, item: string, photo: DraftPhoto): Promise<unknown>
  online(): boolean
}

/**
 * What sending a draft came to: sent (stored, photos sent, draft cleared); offline (kept queued
 * on the device, sent later); refused (the server said no: the draft stays, unqueued, with the
 * error); photo_refused (stored, but a photo was refused: the draft keeps the rest).
 */
export type FlushOutcome = { state: 'sent'; inspection_id: string } | { state: 'offline' } | { state: 'refused'; error: unknown }

/**
 * Sends a queued draft: the inspection with the draft's id (a replay after a lost answer returns
 * the stored one), then its photos one by one (each removed from the draft once sent), then the
 * draft is cleared. A network failure at any step leaves what is left queued.
 */
export async function flushDraft(store: DraftStore, api: DraftApi, taskId: string, errorText: (e: unknown) => string = String): Promise<FlushOutcome> {
  let d = await store.get(taskId)
  if (!d) return { state: 'refused', error: new Error('no draft') }
  if (!api.online()) {
    if (!d.queued) await store.put({ ...d, queued: true })
    return { state: 'offline' }
  }
  d = { ...d, queued: true, error: undefined }
  await store.put(d)
  try {
    if (!d.inspection_id) {
      const x = await api.perform(taskId, { draft_id: d.draft_id, answers: formAnswers(d.answers), notes: formNotes(d.notes) })
      d = { ...d, inspection_id: x.id }
      await store.put(d)
    }
    while (d.photos.length) {
      const [p, ...rest] = d.photos
      try {
        await api.addPhoto(d.inspection_id as string, p.item, p)
      } catch (e) {
        if (isNetworkFailure(e)) throw e
        // A refused photo (not an image, too late) is dropped: the inspection is stored.
      }
      d = { ...d, photos: rest }
      await store.put(d)
    }
    await store.remove(taskId)
    return { state: 'sent', inspection_id: d.inspection_id as string }
  } catch (e) {
    if (isNetworkFailure(e)) return { state: 'offline' }
    await store.put({ ...d, queued: false, error: errorText(e) })
    return { state: 'refused', error: e }
  }
}

/** Sends every queued draft (on page load and when the connection returns); the outcomes by task. */
export async function flushQueued(store: DraftStore, api: DraftApi, errorText?: (e: unknown) => string): Promise<Record<string, FlushOutcome>> {
  const out: Record<string, FlushOutcome> = {}
  if (!api.online()) return out
  for (const d of await store.all()) if (d.queued) out[d.task_id] = await flushDraft(store, api, d.task_id, errorText)
  return out
}
