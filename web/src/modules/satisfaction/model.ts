// The satisfaction (满意度) pages' contract with the API and their pure logic: periods,
// levels, channels, integrity flags, rates and intervals, ranking order, survey
// definitions for the editor, and the follow-up import file. Kept free of Vue so
// it is unit-tested (model.test.ts).

// ---------------------------------------------------------------- API shapes
// Form templates and definitions live in the forms module (web/src/modules/forms), shared by
// surveys, checklists and scorecards; re-exported here for the satisfaction pages.
import type { ItemType, Option } from '../forms/model'
export {
  ITEM_TYPES,
  allItemIds,
  checkDefinition,
  freshId,
  newItem,
  normaliseItem,
  type Definition,
  type FormTemplate,
  type FormTemplateDetail,
  type FormVersionInfo,
  type Item,
  type ItemType,
  type Option,
  type Section,
} from '../forms/model'

export interface Figure {
  n: number
  satisfied: number
  rate: number
  mean_score: number
  ci_low: number
  ci_high: number
  counts?: number[]
}

export interface DashOverall extends Figure {
  target: number
  met: boolean
  met_with_confidence: boolean
}

export interface DimFigure extends Figure {
  code: string
  name: string
  /** The survey the dimension belongs to: figures of one survey never mix with another's. */
  template_id: string
  template_name: string
}

/** A survey whose figures the dashboard shows. */
export interface SurveyRef {
  id: string
  code: string
  name: string
}

export interface TrendPoint extends Figure {
  month: string
  target: number
}

export interface RankItem extends Figure {
  node_id: string
  name: string
  kind: string
  has_children: boolean
  rank: number | null
  ranked: boolean
  target: number
  met: boolean
  /** The group of like units it is ranked in (its node kind); rank is within the group. */
  group: string
}

/** Units of one kind, ranked among themselves (县级卫健局 never against a single hospital). */
export interface RankGroup {
  kind: string
  name: string
  count: number
  hidden: number
}

export interface Ranking {
  min_n: number
  sort: string
  hidden: number
  note: string
  groups: RankGroup[]
  items: RankItem[]
}

export interface PeriodInfo {
  label: string
  from: number
  to: number
}

export interface Dashboard {
  node: { id: string; name: string; kind: string; code: string }
  /** The survey the figures are limited to (null: all surveys). */
  template?: { id: string; name: string; current_version: number } | null
  breadcrumbs: { id: string; name: string }[]
  period: PeriodInfo
  surveys: SurveyRef[]
  overall: DashOverall
  dimensions: DimFigure[]
  trend: TrendPoint[]
  ranking: Ranking
}

export interface CommentRow {
  id: string
  created_at: number
  time: string
  node_id: string
  node_name: string
  unit_id: string
  unit_name: string
  overall: number
  overall_label: string
  channel: string
  channel_label: string
  status: string
  status_label: string
  comment: string
  phone: string
}

export interface RatingAnswer {
  item: string
  label: string
  value: unknown
  shown: string
  dimension: string
}

export interface RatingDetail {
  id: string
  created_at: number
  time: string
  point_id: string
  point_name: string
  node_id: string
  node_name: string
  unit_id: string
  unit_name: string
  channel: string
  channel_label: string
  overall: number
  overall_label: string
  score: number | null
  /** The survey's full score (100 unless the template says otherwise). */
  score_max?: number
  answers: RatingAnswer[]
  comment: string
  phone: string
  status: string
  status_label: string
  flags: string[]
  elapsed_ms: number | null
  form_version_id: string
  case_id: string | null
  case_pending?: boolean // its bad-review case is being opened (right after the rating)
  review: { state: string; reason: string; reviewed_by: string | null; reviewed_at: number } | null
}

export interface ReviewRow {
  rating_id: string
  time: string
  created_at: number
  node_id: string
  node_name: string
  unit_name: string
  overall: number
  overall_label: string
  comment: string
  channel: string
  flags: string | string[]
  state: string
  reason: string
  reviewed_at: number | null
  episode_id?: string | null
  episode_rule?: string
}

/** One episode (事件) of the review queue: the held ratings of one burst in the reader's scope. */
export interface ReviewEpisode {
  id: string
  rule: string
  rule_label: string
  first_at: number
  last_at: number
  from: string
  to: string
  n: number
  pending: number
  accepted: number
  rejected: number
  top: number
  top_share: number
  units: string[]
  unit_count: number
  points: string[]
  point_count: number
}

/** The per-unit integrity figure: ratings received, held (待审核 + 已剔除) and rejected. */
export interface IntegrityItem {
  node_id: string
  name: string
  received: number
  held: number
  pending: number
  rejected: number
  accepted: number
  held_share: number
  rejected_share: number
}
export interface IntegrityFigures {
  node: { id: string; name: string; kind: string }
  period: { label: string; from: number; to: number }
  total: { received: number; held: number; rejected: number; held_share: number; rejected_share: number }
  groups: { kind: string; name: string; items: IntegrityItem[] }[]
}

export interface Point {
  id: string
  code: string
  name: string
  node_id: string
  node_name: string
  node_code: string
  unit_id: string
  unit_name: string
  staff_id: string | null
  staff_name: string
  staff_title?: string
  staff_no?: string
  template_id: string
  template_name: string
  template_version?: number
  active: boolean
  url: string
  created_at: number
}

/** Where the QR address comes from and whether posters warn (GET /api/v1/settings/public-url). */
export interface PublicAddress {
  url: string
  source: 'config' | 'setting' | 'request'
  stored: string
  warning: '' | 'not_set' | 'private'
}

/** One question's distribution (GET /api/v1/satisfaction/questions). */
export interface QuestionFigure {
  key: string
  section: string
  label: string
  type: string
  answered: number
  options: { label: string; n: number }[]
  mean?: number
  min?: number
  max?: number
}

export interface QuestionFigures {
  template: { id: string; name: string; current_version: number }
  versions: { version: number; n: number }[]
  n: number
  items: QuestionFigure[]
}

/**
 * A point as one readable label for pickers: "冯浩然（内科） · 门诊患者满意度 v2". The point's
 * name may already carry brackets (a staff member's point is "name（department）"), so the
 * survey is joined with a middle dot, never wrapped in another pair of brackets.
 */
export function pointLabel(p: Pick<Point, 'name' | 'template_name'> & { template_version?: number }): string {
  const survey = p.template_name ? `${p.template_name}${p.template_version ? ' v' + p.template_version : ''}` : ''
  return survey ? `${p.name} · ${survey}` : p.name
}

/** A survey's name with its current version: "门诊患者满意度 v3" (no version: the name alone). */
export function templateLabel(name: string, version?: number | null): string {
  return version ? `${name} v${version}` : name
}

/** A form score for people: whole numbers without decimals, others with one ("87.5"). */
export function formScore(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const r = Math.round(v * 10) / 10
  return Number.isInteger(r) ? String(r) : r.toFixed(1)
}

export interface PublicSurvey {
  name: string
  overall_label: string
  levels: string[]
  sections: {
    id: string
    title: string
    items: { id: string; type: ItemType; label: string; required?: boolean; dimension?: string; options?: Option[]; max_select?: number; max_length?: number; min?: number; max?: number }[]
  }[]
}


// ---------------------------------------------------------------- levels, channels, flags
/** The 5-level scale: 1 = 非常不满意 … 5 = 非常满意 (i18n keys sat.level.1 … sat.level.5). */
export const LEVELS = [5, 4, 3, 2, 1] as const
export const PUBLIC_CHANNELS = ['qr', 'web'] as const
export const CONSOLE_CHANNELS = ['kiosk', 'opinion_box', 'followup', 'phone'] as const
export const CHANNELS = [...PUBLIC_CHANNELS, ...CONSOLE_CHANNELS] as const
export const STATUSES = ['valid', 'suspect', 'rejected'] as const
export const FLAGS = [
  'duplicate',
  'dup_refusals',
  'device_burst',
  'net_burst',
  'wifi_farm',
  'phone_reuse',
  'too_fast',
  'no_timing',
  'staff_device',
] as const
export const REVIEW_STATES = ['pending', 'accepted', 'rejected'] as const

/** The seven dimensions of the shipped surveys, code → name. */
export const DIMENSIONS: { code: string; name: string }[] = [
  { code: 'attitude', name: '服务态度' },
  { code: 'skill', name: '医疗技术' },
  { code: 'waiting', name: '等候时间' },
  { code: 'environment', name: '环境卫生' },
  { code: 'fees', name: '收费透明' },
  { code: 'communication', name: '沟通解释' },
  { code: 'privacy', name: '隐私保护' },
]

export const DIMENSION_NAMES: Record<string, string> = Object.fromEntries(DIMENSIONS.map((d) => [d.code, d.name]))

/** Element Plus tag type for a level: red for the bad ones, green for the good. */
export function levelTagType(level: number): 'danger' | 'warning' | 'info' | 'success' | 'primary' {
  if (level <= 1) return 'danger'
  if (level === 2) return 'warning'
  if (level === 3) return 'info'
  if (level === 4) return 'primary'
  return 'success'
}

export function statusTagType(status: string): 'danger' | 'warning' | 'info' | 'success' {
  if (status === 'valid') return 'success'
  if (status === 'suspect') return 'warning'
  if (status === 'rejected') return 'danger'
  return 'info'
}

/** Flags travel as a list or as "a,b" text. */
export function parseFlags(flags: string | string[] | null | undefined): string[] {
  if (!flags) return []
  const list = Array.isArray(flags) ? flags : flags.split(',')
  return list.map((f) => f.trim()).filter(Boolean)
}

// ---------------------------------------------------------------- numbers
/** 0.9234 → "92.3%" (one decimal); NaN / missing → "—". */
export function pct(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  return `${(rate * 100).toFixed(digits)}%`
}

/** A 95% interval as "[88.1%, 93.4%]". */
export function interval(low: number | null | undefined, high: number | null | undefined): string {
  if (low === null || low === undefined || high === null || high === undefined) return '—'
  return `[${pct(low)}, ${pct(high)}]`
}

export function score(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return v.toFixed(1)
}

/** Rate as a percentage number for charts (one decimal). */
export function pctNumber(rate: number): number {
  return Math.round(rate * 1000) / 10
}

/**
 * Wilson score interval (95%) — the same formula the backend uses; the console uses
 * it only to explain figures and to check them in tests.
 */
export function wilson(satisfied: number, n: number, z = 1.959963984540054): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 }
  const p = satisfied / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

/**
 * Ranking order: units with enough responses first, by the interval's lower bound
 * (then rate, then n, then name); units below the minimum n after them, by n.
 */
/** A dimension's label: with its survey's name when several surveys are shown. */
export function dimensionLabel(d: Pick<DimFigure, 'name' | 'template_name'>, surveys: number): string {
  return surveys > 1 ? `${d.template_name} · ${d.name}` : d.name
}

/** The ranking's groups in the server's order, each with its items sorted. */
export function rankingGroups(r: Pick<Ranking, 'groups' | 'items'> | undefined): (RankGroup & { items: RankItem[] })[] {
  if (!r) return []
  return (r.groups ?? []).map((g) => ({ ...g, items: sortRanking(r.items.filter((i) => i.group === g.kind)) }))
}

export function sortRanking<T extends Pick<RankItem, 'ranked' | 'ci_low' | 'rate' | 'n' | 'name'>>(items: T[]): T[] {
  return [...items].sort((a, b) => {
    if (a.ranked !== b.ranked) return a.ranked ? -1 : 1
    if (a.ranked) {
      if (b.ci_low !== a.ci_low) return b.ci_low - a.ci_low
      if (b.rate !== a.rate) return b.rate - a.rate
    }
    if (b.n !== a.n) return b.n - a.n
    return a.name.localeCompare(b.name, 'zh-CN')
  })
}

// ---------------------------------------------------------------- periods
/** 'all' = no time filter (lists only; the figures always have a period). */
export type PeriodKind = 'month' | 'quarter' | 'year' | 'custom' | 'all'
export const PERIOD_KINDS: PeriodKind[] = ['month', 'quarter', 'year', 'custom']

export interface PeriodValue {
  kind: PeriodKind
  /** YYYY-MM */
  month: string
  /** YYYY-Qn */
  quarter: string
  /** YYYY */
  year: string
  /** [YYYY-MM-DD, YYYY-MM-DD] */
  range: [string, string] | null
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The Shanghai calendar date of an instant: "2025-05-01". */
/** A typed date as YYYY-MM-DD: 2025-03-01, 2025/3/1, 2025.3.1 or 20250301; null when not a date. */
export function normalizeDay(text: string): string | null {
  const s = text.trim()
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const dt = new Date(Date.UTC(y, mo - 1, d))
  if (y < 2000 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

export function shanghaiDate(ms: number): string {
  const d = new Date(ms + 8 * 3600 * 1000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

/** The current month, quarter and year in Asia/Shanghai, with the month selected. */
export function defaultPeriod(now: number = Date.now(), kind: PeriodKind = 'month'): PeriodValue {
  const today = shanghaiDate(now)
  const y = Number(today.slice(0, 4))
  const m = Number(today.slice(5, 7))
  const first = `${today.slice(0, 8)}01`
  return {
    kind,
    month: `${y}-${pad(m)}`,
    quarter: `${y}-Q${Math.floor((m - 1) / 3) + 1}`,
    year: String(y),
    range: [first, today],
  }
}

/** Query parameters the figures and comments endpoints understand. */
export function periodQuery(p: PeriodValue): Record<string, string> {
  switch (p.kind) {
    case 'month':
      return { period: 'month', month: p.month }
    case 'quarter':
      return { period: 'quarter', quarter: p.quarter }
    case 'year':
      return { period: 'year', year: p.year }
    case 'custom':
      if (!p.range) return { period: 'month', month: p.month }
      return { period: 'custom', from: p.range[0], to: p.range[1] }
    case 'all':
      return {}
  }
}

/** The last `count` quarters up to the one holding `now`, newest first: "2025-Q2", … */
export function recentQuarters(now: number = Date.now(), count = 12): string[] {
  const today = shanghaiDate(now)
  let y = Number(today.slice(0, 4))
  let q = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    out.push(`${y}-Q${q}`)
    q -= 1
    if (q === 0) {
      q = 4
      y -= 1
    }
  }
  return out
}

/** The comments endpoint takes levels as "1,2". */
export function scoreQuery(levels: number[]): string {
  return [...new Set(levels)].filter((l) => l >= 1 && l <= 5).sort().join(',')
}

// ---------------------------------------------------------------- follow-up import file

// ---------------------------------------------------------------- answers (call screen, console entry)
export type AnswerValue = number | string | string[] | null | undefined

/** Drops unanswered items and turns number inputs into numbers, as the intake expects. */
export function cleanAnswers(answers: Record<string, AnswerValue>): Record<string, number | string | string[]> {
  const out: Record<string, number | string | string[]> = {}
  for (const [k, v] of Object.entries(answers)) {
    if (v === null || v === undefined || v === '') continue
    if (Array.isArray(v)) {
      if (v.length) out[k] = v
      continue
    }
    out[k] = v
  }
  return out
}

/** Ids of the required items left unanswered (what cleanAnswers would not send), in form order. */
export function unansweredRequired(sections: { items: { id: string; required?: boolean }[] }[], answers: Record<string, AnswerValue>): string[] {
  const sent = cleanAnswers(answers)
  return sections.flatMap((s) => s.items.filter((it) => it.required && !(it.id in sent)).map((it) => it.id))
}

/** The survey item a server error's field names ("answers.<item id>"), if any. */
export function answerItemOfField(field: string | undefined): string | null {
  return field?.startsWith('answers.') ? field.slice('answers.'.length) || null : null
}

/** POST /api/v1/ratings (评价录入): the rating stored and the bad-review case it opened, if any. */
export interface EnteredRating {
  id: string
  status: string
  case_id: string | null
  case_code: string | null
}

/** Counts per review state (pending, accepted, rejected). */
export type ReviewCounts = Record<string, number>
