import { describe, it, expect } from 'vitest'
import {
  actionBody,
  actionForm,
  allowedActions,
  countdown,
  deadlineDate,
  emptyFilters,
  filtersFromQuery,
  filtersToQuery,
  isImage,
  listQuery,
  manageBody,
  manageFieldOf,
  manageFormOf,
  responsibleOptions,
  sourceCasePath,
  statusTag,
  unitLabel,
} from './model'
import { rectSourceLabel, rectStatusLabel } from './labels'
import { i18n } from '../../i18n'

// 2026-12-07 10:00 and 23:30 in Shanghai (UTC+8).
const MON_10 = Date.UTC(2026, 11, 7, 2, 0)
const MON_2330 = Date.UTC(2026, 11, 7, 15, 30)
const endOfDay = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d, 15, 59, 59) // 23:59:59 Shanghai

describe('rectification vocabulary', () => {
  it('names statuses and sources in Chinese by default', () => {
    expect(i18n.global.locale.value).toBe('zh-CN')
    expect(['pending', 'rectifying', 'submitted', 'closed', 'cancelled'].map((s) => rectStatusLabel(s))).toEqual([
      '未开始',
      '整改中',
      '待验收',
      '已销号',
      '已撤销',
    ])
    expect(
      ['inspection', 'complaint', 'bad_review', 'self_inspection', 'supervision', 'indicator', 'manual'].map((s) => rectSourceLabel(s)),
    ).toEqual(['检查发现', '投诉', '差评', '自查', '督导意见', '指标未达标', '手工录入'])
    expect(rectStatusLabel('future_state')).toBe('future_state')
  })
  it('colours statuses', () => {
    expect(statusTag('closed')).toBe('success')
    expect(statusTag('submitted')).toBe('danger')
    expect(statusTag('cancelled')).toBe('info')
  })
})

describe('action buttons', () => {
  it("shows exactly the server's actions, in button order", () => {
    expect(allowedActions(['cancel', 'submit', 'bogus', 'request_extension'])).toEqual(['submit', 'request_extension', 'cancel'])
    expect(allowedActions(undefined)).toEqual([])
  })
  it('asks each action for what it needs', () => {
    expect(actionForm('submit')).toEqual({ text: 'note', textRequired: true, until: 'none' })
    expect(actionForm('redo')).toEqual({ text: 'reason', textRequired: true, until: 'optional' })
    expect(actionForm('request_extension')).toEqual({ text: 'reason', textRequired: true, until: 'required' })
    expect(actionForm('cancel').textRequired).toBe(true)
    expect(actionForm('verify').textRequired).toBe(false)
    expect(actionForm('refuse_extension')).toEqual({ text: 'reason', textRequired: false, until: 'none' })
    expect(actionForm('start').text).toBe('none')
  })
  it('sends only the fields of the action', () => {
    expect(actionBody('submit', ' 已整改 ', '2026-12-20')).toEqual({ note: '已整改' })
    expect(actionBody('redo', '照片不清', '')).toEqual({ reason: '照片不清' })
    expect(actionBody('request_extension', '设备未到', '2026-12-20')).toEqual({ reason: '设备未到', until: '2026-12-20' })
    expect(actionBody('verify', '  ', null)).toEqual({})
    expect(actionBody('start', '备注', '2026-12-20')).toEqual({})
  })
})

describe('deadline countdown in plain days', () => {
  it('counts calendar days to the deadline day, weekends included', () => {
    // Deadline Monday 2026-12-14 end of day: 7 plain days from Monday the 7th (a weekend between).
    expect(countdown({ deadline_at: endOfDay(2026, 12, 14), status: 'rectifying' }, MON_10)).toEqual({ days: 7, overdue: false, today: false })
    // Late in the evening still counts by the Shanghai date, not UTC's.
    expect(countdown({ deadline_at: endOfDay(2026, 12, 8), status: 'pending' }, MON_2330)).toEqual({ days: 1, overdue: false, today: false })
    expect(countdown({ deadline_at: endOfDay(2026, 12, 7), status: 'pending' }, MON_10)).toEqual({ days: 0, overdue: false, today: true })
  })
  it('turns overdue once the deadline has passed', () => {
    expect(countdown({ deadline_at: endOfDay(2026, 12, 4), status: 'submitted' }, MON_10)).toEqual({ days: 3, overdue: true, today: false })
    expect(countdown({ deadline_at: MON_10 - 1000, status: 'rectifying' }, MON_10)).toEqual({ days: 0, overdue: true, today: false })
  })
  it('has none for items that are done', () => {
    expect(countdown({ deadline_at: endOfDay(2026, 12, 4), status: 'closed' }, MON_10)).toBeNull()
    expect(countdown({ deadline_at: endOfDay(2026, 12, 4), status: 'cancelled' }, MON_10)).toBeNull()
    expect(countdown({ deadline_at: 0, status: 'pending' }, MON_10)).toBeNull()
  })
  it('writes the deadline as a Shanghai date', () => {
    expect(deadlineDate(endOfDay(2026, 12, 14))).toBe('2026-12-14')
    expect(deadlineDate(Date.UTC(2026, 11, 13, 16, 30))).toBe('2026-12-14')
    expect(deadlineDate(null)).toBe('')
  })
})

describe('filters and the query string', () => {
  it('round-trips through the URL', () => {
    const f = { node: '42', source: 'complaint', status: 'submitted', overdue: true, from: '2026-11-01', to: '2026-11-30', q: ' 消防 ' }
    const q = filtersToQuery(f)
    expect(q).toEqual({ node: '42', source: 'complaint', status: 'submitted', overdue: '1', from: '2026-11-01', to: '2026-11-30', q: '消防' })
    expect(filtersFromQuery(q)).toEqual({ ...f, q: '消防' })
  })
  it('drops what is not a filter value', () => {
    expect(filtersFromQuery({ node: 'abc', source: 'nope', status: 'open', overdue: 'yes', from: '2026/11/01', q: ['x', 'y'] })).toEqual({
      ...emptyFilters(),
      q: 'x',
    })
    expect(filtersToQuery(emptyFilters())).toEqual({})
  })
  it('adds the cursor and page size for the list', () => {
    expect(listQuery({ ...emptyFilters(), overdue: true }, 'c1', 30)).toEqual({ overdue: '1', cursor: 'c1', limit: 30 })
  })
})

describe('links and evidence', () => {
  it('links complaint and bad-review items to their case', () => {
    expect(sourceCasePath({ source: 'complaint', source_id: '123' })).toBe('/cases/123')
    expect(sourceCasePath({ source: 'bad_review', source_id: '9' })).toBe('/cases/9')
    expect(sourceCasePath({ source: 'inspection', source_id: '123' })).toBeNull()
    expect(sourceCasePath({ source: 'complaint', source_id: null })).toBeNull()
  })
  it('previews images only', () => {
    expect(isImage('image/png')).toBe(true)
    expect(isImage('application/pdf')).toBe(false)
    expect(isImage(undefined)).toBe(false)
  })
})

describe('the owner unit with its hospital', () => {
  it('names a department with its hospital, and falls back to the unit name', () => {
    expect(unitLabel({ id: '9', name: '内科', path_names: ['市第一人民医院', '内科'] })).toBe('市第一人民医院 / 内科')
    expect(unitLabel({ id: '3', name: '市第一人民医院', path_names: ['市第一人民医院'] })).toBe('市第一人民医院')
    expect(unitLabel({ id: '9', name: '内科' })).toBe('内科')
    expect(unitLabel({ id: '9', name: '内科', path_names: [] })).toBe('内科')
    expect(unitLabel(null)).toBe('')
  })
})

describe("the manager's edit", () => {
  // Deadline 2026-12-21 23:59:59.999 in Shanghai.
  const item = { problem: '候诊区座椅不足', category: null, deadline_at: Date.UTC(2026, 11, 21, 15, 59, 59, 999), public: false }

  it('starts from the item, the deadline as its Shanghai day', () => {
    expect(manageFormOf(item)).toEqual({ problem: '候诊区座椅不足', category: '', deadline: '2026-12-21', public: false })
  })
  it('sends only what changed, trimmed', () => {
    const f = manageFormOf(item)
    expect(manageBody(item, f)).toEqual({})
    f.problem = '  候诊区座椅不足  '
    expect(manageBody(item, f)).toEqual({})
    f.deadline = '2026-12-31'
    f.public = true
    expect(manageBody(item, f)).toEqual({ deadline: '2026-12-31', public: true })
    f.category = ' 就医环境 '
    f.problem = '候诊区座椅不足，老人久站'
    expect(manageBody(item, f)).toEqual({ deadline: '2026-12-31', public: true, category: '就医环境', problem: '候诊区座椅不足，老人久站' })
  })
  it('clears a category with null and never sends an empty deadline', () => {
    const withCat = { ...item, category: '就医环境' }
    const f = manageFormOf(withCat)
    f.category = '  '
    f.deadline = ''
    expect(manageBody(withCat, f)).toEqual({ category: null })
  })
  it("places the server's refusals on their fields", () => {
    expect(manageFieldOf('deadline')).toBe('deadline')
    expect(manageFieldOf('problem')).toBe('problem')
    expect(manageFieldOf('category')).toBe('category')
    expect(manageFieldOf('public')).toBe('public')
    expect(manageFieldOf('measures')).toBeNull()
    expect(manageFieldOf(undefined)).toBeNull()
  })
})

describe('责任人 suggestions', () => {
  it("offers each person's name with the title and department that tell them apart", () => {
    const opts = responsibleOptions([
      { name: '王芳', title: '主治医师', node_name: '内科' },
      { name: '王芳', title: '主治医师', node_name: '内科' },
      { name: '李强', title: '', node_name: '内科' },
      { name: '  ', title: '护士', node_name: '内科' },
    ])
    expect(opts).toEqual([
      { value: '王芳', detail: '主治医师 · 内科' },
      { value: '李强', detail: '内科' },
    ])
  })
})
