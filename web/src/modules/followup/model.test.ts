import { describe, it, expect } from 'vitest'
import { isOpenTask, isOverdue, sortRates, statusType } from './model'

describe('follow-up tasks', () => {
  it('is open while pending or not reached', () => {
    expect(isOpenTask('pending')).toBe(true)
    expect(isOpenTask('not_reached')).toBe(true)
    for (const s of ['reached', 'refused', 'unreachable']) expect(isOpenTask(s)).toBe(false)
  })
  it('is overdue when open and its call date has passed', () => {
    expect(isOverdue({ status: 'pending', call_date: '2026-12-06' }, '2026-12-07')).toBe(true)
    expect(isOverdue({ status: 'not_reached', call_date: '2026-12-07' }, '2026-12-07')).toBe(false) // due today
    expect(isOverdue({ status: 'reached', call_date: '2026-11-01' }, '2026-12-07')).toBe(false)
  })
  it('colours each state', () => {
    expect(statusType('reached')).toBe('success')
    expect(statusType('refused')).toBe('info')
    expect(statusType('unreachable')).toBe('info')
    expect(statusType('not_reached')).toBe('warning')
    expect(statusType('pending')).toBe('primary')
  })
})

describe('follow-up rates', () => {
  it('lists departments with calls due first, lowest rate first, then the rest by name', () => {
    const rows = [
      { name: '眼科', due: 0, rate: 0 },
      { name: '内科', due: 10, rate: 0.9 },
      { name: '儿科', due: 0, rate: 0 },
      { name: '外科', due: 5, rate: 0.4 },
    ]
    expect(sortRates(rows).map((r) => r.name)).toEqual(['外科', '内科', '儿科', '眼科'])
    expect(rows[0].name).toBe('眼科') // the input is left as it was
  })
})
