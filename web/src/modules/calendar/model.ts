// The working-day calendar in the browser: weekdays minus holidays plus make-up workdays
// (调休), from GET /api/v1/calendar. Used to show how much working time a case has left.
// Dates are Asia/Shanghai calendar dates; the SLA clock runs whole working days (24 h each),
// as on the server.
export const DAY_MS = 86_400_000
const OFFSET_MS = 8 * 3_600_000

export interface CalendarDay {
  date: string // YYYY-MM-DD
  workday: boolean
  name?: string
}

/** One year as GET /api/v1/calendar answers: its days off and make-up workdays. */
export interface CalendarYear {
  year: number
  days: CalendarDay[]
  has_data: boolean
  workdays: number
}

/** A change to one day: a workday or a day off (with its name), or null to restore the default. */
export type DayChange = { workday: boolean; name: string } | { workday: null }

/** Local (Shanghai) day number of an instant. */
export function dayOf(ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS)
}
export function dayStart(day: number): number {
  return day * DAY_MS - OFFSET_MS
}
export function dayFromDate(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS)
}
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}
/** 1 = Monday … 7 = Sunday. */
export function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1 // 1970-01-01 was a Thursday
}

export class WorkCalendar {
  private overrides = new Map<number, CalendarDay>()

  constructor(days: CalendarDay[] = []) {
    this.add(days)
  }
  add(days: CalendarDay[]): void {
    for (const d of days) this.overrides.set(dayFromDate(d.date), d)
  }
  clear(): void {
    this.overrides.clear()
  }
  override(day: number): CalendarDay | undefined {
    return this.overrides.get(day)
  }
  isWorkday(day: number): boolean {
    const o = this.overrides.get(day)
    if (o) return o.workday
    return weekdayOf(day) <= 5
  }
  /** Working time inside [a, b) in ms; negative when b < a (time past a deadline). */
  workingMs(a: number, b: number): number {
    if (b < a) return -this.workingMs(b, a)
    let total = 0
    let day = dayOf(a)
    const last = dayOf(b)
    for (; day <= last; day++) {
      if (!this.isWorkday(day)) continue
      const from = Math.max(a, dayStart(day))
      const to = Math.min(b, dayStart(day + 1))
      if (to > from) total += to - from
    }
    return total
  }
}

export interface Remaining {
  overdue: boolean
  /** Whole working days and the hours beyond them. */
  days: number
  hours: number
}

/** Working time between now and a deadline (overdue: the working time past it). */
export function remaining(cal: WorkCalendar, now: number, deadline: number): Remaining {
  const ms = cal.workingMs(now, deadline)
  const overdue = deadline < now
  const abs = Math.abs(ms)
  const days = Math.floor(abs / DAY_MS)
  const hours = Math.floor((abs - days * DAY_MS) / 3_600_000)
  return { overdue, days, hours }
}
