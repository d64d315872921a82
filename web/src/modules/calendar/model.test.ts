import { describe, it, expect } from 'vitest'
import { WorkCalendar, dayFromDate, dayStart, remaining, weekdayOf, DAY_MS, dateOfDay } from './model'

// The official 2026 Spring Festival: 2026-02-15 … 2026-02-23 off; Saturdays 2026-02-14 and
// 2026-02-28 are make-up workdays.
const spring2026 = new WorkCalendar([
  ...['15', '16', '17', '18', '19', '20', '21', '22', '23'].map((d) => ({ date: `2026-02-${d}`, workday: false, name: '春节' })),
  { date: '2026-02-14', workday: true, name: '春节调休' },
  { date: '2026-02-28', workday: true, name: '春节调休' },
])
const at = (date: string, hour = 0) => dayStart(dayFromDate(date)) + hour * 3_600_000

describe('working-day calendar', () => {
  it('knows weekdays', () => {
    expect(weekdayOf(dayFromDate('2026-02-13'))).toBe(5) // Friday
    expect(weekdayOf(dayFromDate('2026-02-14'))).toBe(6)
    expect(weekdayOf(dayFromDate('2026-02-15'))).toBe(7)
    expect(dateOfDay(dayFromDate('2025-12-31'))).toBe('2025-12-31')
  })
  it('applies holidays and make-up workdays', () => {
    expect(spring2026.isWorkday(dayFromDate('2026-02-14'))).toBe(true) // make-up Saturday
    expect(spring2026.isWorkday(dayFromDate('2026-02-16'))).toBe(false) // Monday in the holiday
    expect(spring2026.isWorkday(dayFromDate('2026-02-24'))).toBe(true)
    expect(spring2026.isWorkday(dayFromDate('2026-02-21'))).toBe(false)
  })
  it('counts working time across the Spring Festival', () => {
    // Friday 13th noon to Tuesday 24th noon: half of Fri, Sat 14th, half of Tue 24th = 2 days.
    expect(spring2026.workingMs(at('2026-02-13', 12), at('2026-02-24', 12))).toBe(2 * DAY_MS)
    expect(spring2026.workingMs(at('2026-02-24', 12), at('2026-02-13', 12))).toBe(-2 * DAY_MS)
  })
  it('says how much working time is left or past', () => {
    const r = remaining(spring2026, at('2026-02-13', 12), at('2026-02-25', 0) - 1 + 1)
    expect(r).toEqual({ overdue: false, days: 2, hours: 12 })
    const late = remaining(new WorkCalendar(), at('2026-03-03', 9), at('2026-03-02', 0))
    expect(late.overdue).toBe(true)
    expect(late.days).toBe(1)
    expect(late.hours).toBe(9)
  })
  it('skips a plain weekend', () => {
    const cal = new WorkCalendar()
    expect(cal.workingMs(at('2025-12-26'), at('2025-12-29'))).toBe(DAY_MS) // Fri → Mon
  })
})
