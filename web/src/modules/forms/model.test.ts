import { describe, expect, it } from 'vitest'
import {
  NA,
  checkDefinition,
  checkScoring,
  defaultScoring,
  findings,
  formAnswers,
  formNotes,
  isNa,
  isScored,
  itemOfField,
  MAX_PHOTOS_PER_ITEM,
  missingRequired,
  photoUploads,
  photosByItem,
  points,
  ruleSummary,
  sortGrades,
  type Definition,
  type Item,
} from './model'

const sheet: Definition = {
  name: '窗口服务规范检查',
  kind: 'checklist',
  sections: [
    {
      id: 's',
      title: '主动服务',
      items: [
        { id: 'greet', type: 'number', label: '未主动招呼', points: 15, deduct_per: 3, min: 0, max: 50, required: true },
        { id: 'elderly', type: 'single', label: '老年人优先', points: 10, na_allowed: true, required: true, options: [{ value: 'yes', label: '有', points: 10 }, { value: 'no', label: '没有' }] },
        { id: 'quarrel', type: 'single', label: '争吵', options: [{ value: 'no', label: '无' }, { value: 'yes', label: '有', veto: true }] },
        { id: 'remarks', type: 'text', label: '其他' },
      ],
    },
  ],
  scoring: defaultScoring(),
}

describe('forms model', () => {
  it('sends 不适用 as {na: true} and drops unanswered items and blank notes', () => {
    expect(formAnswers({ greet: 0, elderly: NA, quarrel: undefined, remarks: '', multi: [] })).toEqual({ greet: 0, elderly: { na: true } })
    expect(formNotes({ greet: '  两处 ', elderly: ' ', quarrel: undefined })).toEqual({ greet: '两处' })
    expect(isNa(NA)).toBe(true)
    expect(isNa({ na: false })).toBe(false)
    expect(isNa(['na'])).toBe(false)
  })

  it('counts 不适用 as answered for required items', () => {
    expect(missingRequired(sheet, {})).toEqual(['greet', 'elderly'])
    expect(missingRequired(sheet, { greet: 0, elderly: NA })).toEqual([])
  })

  it('finds the item a server error names, for answers and notes', () => {
    expect(itemOfField('answers.greet')).toBe('greet')
    expect(itemOfField('notes.elderly')).toBe('elderly')
    expect(itemOfField('node_id')).toBeNull()
    expect(itemOfField(undefined)).toBeNull()
  })

  it('knows which items are scored', () => {
    const [greet, elderly, quarrel, remarks] = sheet.sections[0].items
    expect(isScored(greet)).toBe(true)
    expect(isScored(elderly)).toBe(true)
    expect(isScored(quarrel)).toBe(false)
    expect(isScored(remarks)).toBe(false)
    expect(isScored({ id: 'n', type: 'number', label: 'n', points: 5 } as Item)).toBe(false) // no deduct_per
  })

  it('summarises an item rule: deduction per occurrence with its cap, points, veto, 不适用', () => {
    const words = { deduct: (p: number, c: number) => `每处扣 ${p} 分，最多扣 ${c} 分`, points: (n: number) => `${n} 分`, veto: '否决项', na: '可不适用' }
    const [greet, elderly, quarrel] = sheet.sections[0].items
    expect(ruleSummary(greet, words)).toBe('每处扣 3 分，最多扣 15 分')
    expect(ruleSummary({ ...greet, deduct_cap: 6 }, words)).toBe('每处扣 3 分，最多扣 6 分')
    expect(ruleSummary(elderly, words)).toBe('10 分 · 可不适用')
    expect(ruleSummary(quarrel, words)).toBe('否决项')
  })

  it('checks the scoring rules: grade order, labels, a capping veto grade among the bands, the cap within the points', () => {
    expect(checkScoring(defaultScoring())).toEqual([])
    expect(checkScoring({ grades: [{ min: 60, label: '合格' }, { min: 90, label: '优秀' }] })).toEqual(['grades:order'])
    expect(checkScoring({ grades: [{ min: 0, label: ' ' }] })).toEqual(['grades:label'])
    expect(checkScoring({ veto_caps_grade: true, veto_grade: '丁', grades: [{ min: 0, label: '甲' }] })).toEqual(['grades:vetoGrade'])
    expect(sortGrades([{ min: 60, label: 'c' }, { min: 90, label: 'a' }]).map((g) => g.label)).toEqual(['a', 'c'])
    const bad: Definition = JSON.parse(JSON.stringify(sheet))
    bad.sections[0].items[0].deduct_cap = 20
    expect(checkDefinition(bad)).toContain('item:greet:cap')
    bad.sections[0].items[0].points = 0
    expect(checkDefinition(bad)).toContain('item:greet:deductPoints')
    expect(checkDefinition(sheet)).toEqual([])
  })

  it('lists the findings: items that lost points or fired a veto', () => {
    const r = {
      items: [
        { item_id: 'greet', possible: 15, earned: 9, deduction: 6, weight: 1, reason: '扣 3 分 × 2 处', veto: false, na: false, counted: true },
        { item_id: 'elderly', possible: 10, earned: 0, deduction: 0, weight: 1, reason: '不适用，不计入满分', veto: false, na: true, counted: false },
        { item_id: 'quarrel', possible: 0, earned: 0, deduction: 0, weight: 1, reason: '否决项', veto: true, na: false, counted: false },
      ],
    }
    expect(findings(r).map((f) => f.item_id)).toEqual(['greet', 'quarrel'])
    expect(points(93.333)).toBe('93.33')
    expect(points(5)).toBe('5')
    expect(points(undefined)).toBe('—')
  })

  it('groups stored photos by item and sends chosen ones in form order, at most five per item', () => {
    const p = (id: string, item: string) => ({ id, item_id: item, name: `${id}.jpg`, content_type: 'image/jpeg', size: 1, created_at: 0 })
    expect(photosByItem([p('1', 'greet'), p('2', 'quarrel'), p('3', 'greet')])).toEqual({ greet: [p('1', 'greet'), p('3', 'greet')], quarrel: [p('2', 'quarrel')] })
    expect(photosByItem(undefined)).toEqual({})
    const f = (n: string) => new File(['x'], n, { type: 'image/png' })
    const six = Array.from({ length: 6 }, (_, i) => f(`g${i}.png`))
    const ups = photoUploads(sheet, { quarrel: [f('q.png')], greet: six, unknown: [f('u.png')] })
    expect(ups.map((u) => u.item)).toEqual([...Array(MAX_PHOTOS_PER_ITEM).fill('greet'), 'quarrel'])
    expect(ups[0].file.name).toBe('g0.png')
  })
})
