// The forms engine's contract with the API and its pure logic, shared by every capability
// that uses forms (satisfaction surveys, inspection checklists, scorecards): templates and
// their versions, definitions with their scoring rules (points, weights, deduction per
// occurrence with a cap, veto, 不适用, grade bands), answers with 不适用 and a note per item,
// and the stored responses with their result per item. Kept free of Vue (model.test.ts).

export const ITEM_TYPES = ['rating', 'single', 'multi', 'text', 'number'] as const
export type ItemType = (typeof ITEM_TYPES)[number]
export const FORM_KINDS = ['survey', 'checklist', 'scorecard'] as const
export type FormKind = (typeof FORM_KINDS)[number]

export interface FormTemplate {
  id: string
  kind: string
  code: string
  name: string
  owner_node_id: string | null
  shipped: boolean
  current_version_id: string | null
  current_version: number
  copied_from: string | null
  updated_at: number
}

export interface FormVersionInfo {
  id: string
  version: number
  published_at: number
}

export interface FormTemplateDetail extends FormTemplate {
  draft: Definition
  published: Definition | null
  draft_differs: boolean
  versions: FormVersionInfo[]
}

export interface Option {
  value: string
  label: string
  points?: number
  veto?: boolean
}

export interface Item {
  id: string
  type: ItemType
  label: string
  dimension?: string
  required?: boolean
  points?: number
  weight?: number
  options?: Option[]
  max_select?: number
  max_length?: number
  min?: number
  max?: number
  integer?: boolean
  /** number: points deducted per occurrence (扣分), capped at deduct_cap or the points */
  deduct_per?: number
  /** number: most points deducted (封顶); 0 or absent = the item's points */
  deduct_cap?: number
  /** number: losing all points vetoes the form */
  veto_if_zero?: boolean
  /** rating: a level at or below vetoes the form (0 = never) */
  veto_at?: number
  /** may be answered 不适用, which leaves the item out of the maximum */
  na_allowed?: boolean
  [k: string]: unknown
}

export interface Section {
  id: string
  title: string
  weight?: number
  items: Item[]
}

export interface Definition {
  code?: string
  kind?: string
  name: string
  description?: string
  has_overall?: boolean
  overall_label?: string
  satisfied_min?: number
  window?: boolean
  dimensions?: { code: string; name: string }[]
  sections: Section[]
  scoring?: Scoring
  [k: string]: unknown
}

export interface Grade {
  min: number
  label: string
}

/** How a definition is scored (src/forms/model.hpp Scoring). */
export interface Scoring {
  max_score?: number
  normalize?: boolean
  /** unanswered scored items count 0 (checklists) instead of being skipped (surveys) */
  unanswered_zero?: boolean
  /** score forced by a veto (e.g. 0); absent = unchanged */
  veto_score?: number | null
  /** grade forced (or capped, with veto_caps_grade) by a veto */
  veto_grade?: string
  veto_caps_grade?: boolean
  /** highest minimum first */
  grades?: Grade[]
}

/** A fresh id not used by any of `taken`: prefix1, prefix2, … */
export function freshId(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  for (let i = 1; ; i++) {
    const id = `${prefix}${i}`
    if (!used.has(id)) return id
  }
}

export function allItemIds(def: Definition): string[] {
  return def.sections.flatMap((s) => s.items.map((i) => i.id))
}

export function newItem(def: Definition, type: ItemType = 'rating'): Item {
  const item: Item = { id: freshId('q', allItemIds(def)), type, label: '' }
  return normaliseItem(item)
}

/** Makes an item consistent with its type (options for choices, bounds for numbers). */
export function normaliseItem(item: Item): Item {
  const out: Item = { ...item }
  if (out.type === 'single' || out.type === 'multi') {
    if (!out.options || !out.options.length)
      out.options = [
        { value: 'a', label: '' },
        { value: 'b', label: '' },
      ]
  } else delete out.options
  if (out.type !== 'multi') delete out.max_select
  if (out.type === 'text') out.max_length = out.max_length ?? 500
  else delete out.max_length
  if (out.type === 'number') {
    out.min = out.min ?? 0
    out.max = out.max ?? 100
  } else {
    delete out.min
    delete out.max
    delete out.integer
  }
  if (out.type !== 'rating') delete out.dimension
  return out
}

/** Problems the editor shows before saving (the server checks again). */
export function checkDefinition(def: Definition): string[] {
  const errs: string[] = []
  if (!def.name?.trim()) errs.push('name')
  const ids = new Set<string>()
  if (!def.sections.length) errs.push('sections')
  for (const s of def.sections) {
    if (!s.title?.trim()) errs.push(`section:${s.id}:title`)
    for (const it of s.items) {
      if (!it.id || ids.has(it.id)) errs.push(`item:${it.id}:id`)
      ids.add(it.id)
      if (!it.label?.trim()) errs.push(`item:${it.id}:label`)
      if (it.weight !== undefined && !(it.weight > 0)) errs.push(`item:${it.id}:weight`)
      if (it.type === 'single' || it.type === 'multi') {
        const vals = new Set<string>()
        for (const o of it.options ?? []) {
          if (!o.value || vals.has(o.value) || !o.label?.trim()) errs.push(`item:${it.id}:options`)
          vals.add(o.value)
        }
        if ((it.options ?? []).length < 2) errs.push(`item:${it.id}:options`)
      }
      if (it.type === 'number' && it.min !== undefined && it.max !== undefined && it.min > it.max) errs.push(`item:${it.id}:range`)
      if (it.type === 'number' && (it.deduct_per ?? 0) > 0 && !((it.points ?? 0) > 0)) errs.push(`item:${it.id}:deductPoints`)
      if (it.type === 'number' && (it.deduct_cap ?? 0) > (it.points ?? 0)) errs.push(`item:${it.id}:cap`)
    }
  }
  for (const p of checkScoring(def.scoring)) errs.push(p)
  return [...new Set(errs)]
}

/** Problems of the scoring rules: grade bands from the highest minimum down, each labelled; a capping veto grade must be a band. */
export function checkScoring(sc: Scoring | undefined): string[] {
  const errs: string[] = []
  if (!sc) return errs
  const grades = sc.grades ?? []
  let prev = Infinity
  for (const g of grades) {
    if (!g.label?.trim()) errs.push('grades:label')
    if (!(g.min <= prev)) errs.push('grades:order')
    prev = g.min
  }
  if (sc.veto_caps_grade && !grades.some((g) => g.label === sc.veto_grade)) errs.push('grades:vetoGrade')
  return [...new Set(errs)]
}

/** Grade bands sorted from the highest minimum down (as the server wants them). */
export function sortGrades(grades: Grade[]): Grade[] {
  return [...grades].sort((a, b) => b.min - a.min)
}

/** The scoring a new checklist or scorecard starts with: 100 points, unanswered items count 0, four bands. */
export function defaultScoring(): Scoring {
  return {
    max_score: 100,
    normalize: true,
    unanswered_zero: true,
    veto_score: 0,
    veto_grade: '不合格',
    grades: [
      { min: 90, label: '优秀' },
      { min: 80, label: '良好' },
      { min: 60, label: '合格' },
      { min: 0, label: '不合格' },
    ],
  }
}

// ---------------------------------------------------------------- filling in a form
/** 不适用 (not applicable), as the API takes and gives it. */
export interface NotApplicable {
  na: true
}
export type FormAnswer = number | string | string[] | NotApplicable
export type FillValue = FormAnswer | null | undefined

export const NA: NotApplicable = { na: true }

export function isNa(v: unknown): v is NotApplicable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { na?: unknown }).na === true
}

/** Answers as the API takes them: unanswered items dropped, 不适用 kept as {na: true}. */
export function formAnswers(answers: Record<string, FillValue>): Record<string, FormAnswer> {
  const out: Record<string, FormAnswer> = {}
  for (const [k, v] of Object.entries(answers)) {
    if (v === null || v === undefined || v === '') continue
    if (Array.isArray(v) && !v.length) continue
    out[k] = v
  }
  return out
}

/** Notes as the API takes them: blank ones dropped, trimmed. */
export function formNotes(notes: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(notes)) if (v && v.trim()) out[k] = v.trim()
  return out
}

/** Ids of required items left unanswered (不适用 counts as answered), in form order. */
export function missingRequired(def: Pick<Definition, 'sections'>, answers: Record<string, FillValue>): string[] {
  const sent = formAnswers(answers)
  return def.sections.flatMap((s) => s.items.filter((it) => it.required && !(it.id in sent)).map((it) => it.id))
}

/** The item a server error's field names ("answers.<id>" or "notes.<id>"), if any. */
export function itemOfField(field: string | undefined): string | null {
  for (const p of ['answers.', 'notes.']) if (field?.startsWith(p)) return field.slice(p.length) || null
  return null
}

/** Whether an item is scored (earns points): what the result shows points for. */
export function isScored(it: Item): boolean {
  if (it.type === 'text') return false
  if (it.type === 'number') return (it.deduct_per ?? 0) > 0 && (it.points ?? 0) > 0
  if ((it.points ?? 0) > 0) return true
  return (it.options ?? []).some((o) => (o.points ?? 0) > 0)
}

/** A short description of an item's scoring rule, in the UI language's words given. */
export function ruleSummary(it: Item, words: { deduct: (per: number, cap: number) => string; points: (n: number) => string; veto: string; na: string }): string {
  const parts: string[] = []
  if (it.type === 'number' && (it.deduct_per ?? 0) > 0) parts.push(words.deduct(it.deduct_per ?? 0, (it.deduct_cap ?? 0) > 0 ? (it.deduct_cap as number) : (it.points ?? 0)))
  else if ((it.points ?? 0) > 0) parts.push(words.points(it.points ?? 0))
  if ((it.options ?? []).some((o) => o.veto) || (it.veto_at ?? 0) > 0 || it.veto_if_zero) parts.push(words.veto)
  if (it.na_allowed) parts.push(words.na)
  return parts.join(' · ')
}

// ---------------------------------------------------------------- results and stored responses
export interface ItemResult {
  item_id: string
  possible: number
  earned: number
  deduction: number
  weight: number
  /** why, in Chinese (from the server) */
  reason: string
  veto: boolean
  na: boolean
  counted: boolean
}

export interface ScoreResult {
  score: number
  earned: number
  possible: number
  scored: boolean
  percentage: number
  vetoed: boolean
  veto_items: string[]
  grade: string
  items: ItemResult[]
}

export interface FormResponseSummary {
  id: string
  template_id: string
  template_name: string
  version_id: string
  version: number
  kind: FormKind
  node_id: string
  node_name: string
  subject: string
  submitted_by: string | null
  submitted_at: number
  score: number
  percentage: number
  grade: string
  vetoed: boolean
}

export interface FormPhoto {
  id: string
  item_id: string
  name: string
  content_type: string
  size: number
  created_at: number
}

export interface FormResponse extends FormResponseSummary {
  answers: Record<string, FormAnswer>
  notes: Record<string, string>
  result: ScoreResult
  /** only on GET /api/v1/forms/responses/{id} */
  photos?: FormPhoto[]
}

/** Photos an item may carry (the server refuses a sixth). */
export const MAX_PHOTOS_PER_ITEM = 5

/** Photos grouped by item, in upload order. */
export function photosByItem(photos: readonly FormPhoto[] | undefined): Record<string, FormPhoto[]> {
  const out: Record<string, FormPhoto[]> = {}
  for (const p of photos ?? []) (out[p.item_id] ??= []).push(p)
  return out
}

/** Photos chosen on the device, per item, to send once the response is stored: (item, file) pairs in form order. */
export function photoUploads(def: Pick<Definition, 'sections'>, chosen: Record<string, File[] | undefined>): { item: string; file: File }[] {
  return def.sections.flatMap((s) => s.items.flatMap((it) => (chosen[it.id] ?? []).slice(0, MAX_PHOTOS_PER_ITEM).map((file) => ({ item: it.id, file }))))
}

/** Points as people read them: at most two decimals, no trailing zeros. */
export function points(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return String(Math.round(n * 100) / 100)
}

/** The results of the items that lost points or fired a veto, in form order (the findings). */
export function findings(result: Pick<ScoreResult, 'items'>): ItemResult[] {
  return result.items.filter((r) => r.veto || (r.counted && r.deduction > 0))
}
