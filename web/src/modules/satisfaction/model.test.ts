import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import {
  formScore,
  pointLabel,
  templateLabel,
  CHANNELS,
  FLAGS,
  checkDefinition,
  answerItemOfField,
  cleanAnswers,
  defaultPeriod,
  freshId,
  interval,
  newItem,
  normaliseItem,
  parseFlags,
  pct,
  periodQuery,
  recentQuarters,
  scoreQuery,
  shanghaiDate,
  unansweredRequired,
  sortRanking,
  dimensionLabel,
  rankingGroups,
  wilson,
  type Definition,
} from './model'
import zh from './i18n.zh-CN'
import en from './i18n.en'

// 2025-03-31 20:30 UTC is already 2025-04-01 04:30 in Shanghai.
const LATE_MARCH_UTC = Date.UTC(2025, 2, 31, 20, 30)

describe('periods', () => {
  it('takes the current month, quarter and year in Asia/Shanghai', () => {
    const p = defaultPeriod(LATE_MARCH_UTC)
    expect(shanghaiDate(LATE_MARCH_UTC)).toBe('2025-04-01')
    expect(p).toEqual({ kind: 'month', month: '2025-04', quarter: '2025-Q2', year: '2025', range: ['2025-04-01', '2025-04-01'] })
  })
  it('turns each kind into the query the figures endpoints read', () => {
    const p = defaultPeriod(LATE_MARCH_UTC)
    expect(periodQuery(p)).toEqual({ period: 'month', month: '2025-04' })
    expect(periodQuery({ ...p, kind: 'quarter' })).toEqual({ period: 'quarter', quarter: '2025-Q2' })
    expect(periodQuery({ ...p, kind: 'year', year: '2024' })).toEqual({ period: 'year', year: '2024' })
    expect(periodQuery({ ...p, kind: 'custom', range: ['2025-01-05', '2025-02-10'] })).toEqual({ period: 'custom', from: '2025-01-05', to: '2025-02-10' })
    expect(periodQuery({ ...p, kind: 'custom', range: null })).toEqual({ period: 'month', month: '2025-04' })
    expect(periodQuery({ ...p, kind: 'all' })).toEqual({})
  })
  it('lists recent quarters newest first across the year boundary', () => {
    expect(recentQuarters(Date.UTC(2025, 4, 10), 6)).toEqual(['2025-Q2', '2025-Q1', '2024-Q4', '2024-Q3', '2024-Q2', '2024-Q1'])
  })
})

describe('figures', () => {
  it('formats rates and intervals', () => {
    expect(pct(0.91234)).toBe('91.2%')
    expect(pct(0.9, 0)).toBe('90%')
    expect(pct(Number.NaN)).toBe('—')
    expect(pct(undefined)).toBe('—')
    expect(interval(0.881, 0.934)).toBe('[88.1%, 93.4%]')
  })
  it('computes the Wilson interval like the backend (values from the demo dashboard)', () => {
    // 服务态度 of 市第一人民医院: satisfied 2977 of 3281 → [0.89694, 0.91680]
    const w = wilson(2977, 3281)
    expect(w.low).toBeCloseTo(0.8969421005688315, 9)
    expect(w.high).toBeCloseTo(0.9167958023129857, 9)
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 })
    const all = wilson(10, 10)
    expect(all.high).toBeCloseTo(1, 12)
    expect(all.low).toBeGreaterThan(0.65)
    expect(all.low).toBeLessThan(0.75)
  })
  it('ranks by the lower bound, small units last', () => {
    const rows = [
      { name: '甲', ranked: true, ci_low: 0.8, rate: 0.9, n: 100 },
      { name: '乙', ranked: false, ci_low: 0.9, rate: 1, n: 5 },
      { name: '丙', ranked: true, ci_low: 0.85, rate: 0.88, n: 400 },
      { name: '丁', ranked: false, ci_low: 0, rate: 0, n: 12 },
      { name: '戊', ranked: true, ci_low: 0.85, rate: 0.9, n: 50 },
    ]
    // a high rate on few responses does not beat a solid lower bound
    expect(sortRanking(rows).map((r) => r.name)).toEqual(['戊', '丙', '甲', '丁', '乙'])
    expect(rows[0].name).toBe('甲') // not sorted in place
  })
  it('sends levels as a sorted list', () => {
    expect(scoreQuery([2, 1, 2, 9])).toBe('1,2')
    expect(scoreQuery([])).toBe('')
  })
  it('reads integrity flags from a list or from text', () => {
    expect(parseFlags('too_fast, staff_device')).toEqual(['too_fast', 'staff_device'])
    expect(parseFlags(['net_burst'])).toEqual(['net_burst'])
    expect(parseFlags('')).toEqual([])
    expect(parseFlags(null)).toEqual([])
  })
})

describe('survey definitions', () => {
  const def = (): Definition => ({
    name: '门诊满意度',
    dimensions: [{ code: 'attitude', name: '服务态度' }],
    sections: [{ id: 's1', title: '服务', items: [{ id: 'q1', type: 'rating', label: '服务态度', dimension: 'attitude' }] }],
  })
  it('gives new items fresh ids', () => {
    expect(freshId('q', ['q1', 'q2', 'q4'])).toBe('q3')
    const d = def()
    const it1 = newItem(d, 'single')
    expect(it1.id).toBe('q2')
    expect(it1.options).toHaveLength(2)
  })
  it('keeps an item consistent with its type', () => {
    const single = normaliseItem({ id: 'q1', type: 'single', label: 'x', dimension: 'attitude' })
    expect(single.options?.length).toBe(2)
    expect(single.dimension).toBeUndefined()
    const num = normaliseItem({ ...single, type: 'number' })
    expect(num.options).toBeUndefined()
    expect([num.min, num.max]).toEqual([0, 100])
    const text = normaliseItem({ ...num, type: 'text' })
    expect(text.min).toBeUndefined()
    expect(text.max_length).toBe(500)
    const rating = normaliseItem({ id: 'q9', type: 'rating', label: 'y', dimension: 'waiting' })
    expect(rating.dimension).toBe('waiting')
  })
  it('finds what must be fixed before saving', () => {
    expect(checkDefinition(def())).toEqual([])
    const d = def()
    d.name = ' '
    d.sections[0].items.push({ id: 'q1', type: 'single', label: '', options: [{ value: 'a', label: '是' }] })
    d.sections[0].items.push({ id: 'q3', type: 'number', label: '天数', min: 5, max: 1 })
    d.sections[0].items.push({ id: 'q4', type: 'rating', label: '权重', weight: 0 })
    expect(checkDefinition(d).sort()).toEqual(['item:q1:id', 'item:q1:label', 'item:q1:options', 'item:q3:range', 'item:q4:weight', 'name'].sort())
    expect(checkDefinition({ name: 'x', sections: [] })).toContain('sections')
  })
  it('sends only answered items', () => {
    expect(cleanAnswers({ a: 5, b: undefined, c: '', d: [], e: ['x'], f: 0, g: null, h: '好' })).toEqual({ a: 5, e: ['x'], f: 0, h: '好' })
  })
  it('lists the required items left unanswered, in form order', () => {
    const sections = [
      { items: [{ id: 'a', required: true }, { id: 'b' }, { id: 'c', required: true }] },
      { items: [{ id: 'd', required: true }] },
    ]
    expect(unansweredRequired(sections, { a: 5, c: [], d: '' })).toEqual(['c', 'd'])
    expect(unansweredRequired(sections, { a: 5, c: ['x'], d: 0 })).toEqual([])
    expect(answerItemOfField('answers.q7')).toBe('q7')
    expect(answerItemOfField('overall')).toBeNull()
    expect(answerItemOfField(undefined)).toBeNull()
  })
})

describe('vocabulary', () => {
  it('names every level, channel and integrity rule in both languages', () => {
    for (const l of ['1', '2', '3', '4', '5'] as const) {
      expect(zh.level[l]).toBeTruthy()
      expect(en.level[l]).toBeTruthy()
    }
    expect([zh.level['1'], zh.level['2'], zh.level['3'], zh.level['4'], zh.level['5']]).toEqual(['非常不满意', '不满意', '基本满意', '满意', '非常满意'])
    for (const c of CHANNELS) expect(zh.channel[c], c).toBeTruthy()
    for (const f of FLAGS) {
      expect(zh.flag[f], f).toBeTruthy()
      expect(zh.flagHelp[f], f).toBeTruthy()
    }
    // Every rule code the server stores (docs/feedback-integrity.md's table) has its labels.
    const doc = readFileSync(new URL('../../../../docs/feedback-integrity.md', import.meta.url), 'utf8')
    const table = doc.slice(doc.indexOf('## The rules'), doc.indexOf('### Retroactive holding'))
    const codes = [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1])
    expect(codes).toContain('wifi_farm')
    for (const c of codes) {
      expect(FLAGS as readonly string[], c).toContain(c)
      expect((zh.flag as Record<string, string>)[c], c).toBeTruthy()
      expect((en.flag as Record<string, string>)[c], c).toBeTruthy()
    }
    expect(zh.channel.opinion_box).toBe('意见箱')
    expect(zh.channel.followup).toBe('回访')
    expect(zh.menu.group).toBe('满意度')
  })
})

describe('labels of points and scores', () => {
  it('joins a point and its survey without doubled brackets', () => {
    const l = pointLabel({ name: '冯浩然（内科）', template_name: '门诊患者满意度', template_version: 2 })
    expect(l).toBe('冯浩然（内科） · 门诊患者满意度 v2')
    expect(l).not.toMatch(/）（/)
    expect(pointLabel({ name: '内科', template_name: '' })).toBe('内科')
  })
  it('names a survey with its version', () => {
    expect(templateLabel('门诊患者满意度', 3)).toBe('门诊患者满意度 v3')
    expect(templateLabel('门诊患者满意度', 0)).toBe('门诊患者满意度')
  })
  it('formats form scores without a trailing .0', () => {
    expect(formScore(50)).toBe('50')
    expect(formScore(87.54)).toBe('87.5')
    expect(formScore(null)).toBe('—')
  })
})

describe('normalizeDay (评价录入 填表日期)', () => {
  it('reads the ways a clerk types a date and refuses what is not one', async () => {
    const { normalizeDay } = await import('./model')
    expect(normalizeDay('2025-03-01')).toBe('2025-03-01')
    expect(normalizeDay('2025/3/1')).toBe('2025-03-01')
    expect(normalizeDay('20250301')).toBe('2025-03-01')
    expect(normalizeDay(' 2025年3月1日 ')).toBe('2025-03-01')
    expect(normalizeDay('2025-02-30')).toBeNull()
    expect(normalizeDay('上个月')).toBeNull()
    expect(normalizeDay('')).toBeNull()
  })
})

describe('surveys and ranking groups', () => {
  it('labels a dimension with its survey only when several surveys are shown', () => {
    const d = { name: '服务态度', template_name: '门诊患者满意度' }
    expect(dimensionLabel(d, 1)).toBe('服务态度')
    expect(dimensionLabel(d, 2)).toBe('门诊患者满意度 · 服务态度')
  })
  it('splits the ranking into its groups, each sorted, none mixing kinds', () => {
    const item = (name: string, group: string, ci_low: number) => ({
      node_id: name, name, kind: group, group, has_children: false, rank: 1, ranked: true, target: 0.9, met: true,
      n: 100, satisfied: 90, rate: 0.9, mean_score: 80, ci_low, ci_high: 0.95,
    })
    const g = rankingGroups({
      groups: [
        { kind: 'county', name: '县（区）卫生健康局', count: 2, hidden: 0 },
        { kind: 'institution', name: '医疗机构', count: 2, hidden: 0 },
      ],
      items: [item('甲医院', 'institution', 0.8), item('乙县', 'county', 0.7), item('丙医院', 'institution', 0.85), item('丁县', 'county', 0.9)],
    })
    expect(g.map((x) => x.kind)).toEqual(['county', 'institution'])
    expect(g[0].items.map((x) => x.name)).toEqual(['丁县', '乙县'])
    expect(g[1].items.map((x) => x.name)).toEqual(['丙医院', '甲医院'])
    expect(rankingGroups(undefined)).toEqual([])
  })
})
