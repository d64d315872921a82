// The working-day calendar, loaded once per year from GET /api/v1/calendar and shared by
// the pages that show remaining working time.
import { ref } from 'vue'
import { WorkCalendar } from './model'
import { getCalendarYear } from './api'

const calendar = new WorkCalendar()
const loaded = new Map<number, Promise<void>>()
/** Bumped when a year arrives, so computed values that read the calendar recompute. */
export const calendarVersion = ref(0)

export function loadYear(year: number): Promise<void> {
  let p = loaded.get(year)
  if (!p) {
    p = getCalendarYear(year)
      .then((r) => {
        calendar.add(r.days ?? [])
        calendarVersion.value++
      })
      .catch(() => {
        loaded.delete(year) // try again next time; weekdays meanwhile
      })
    loaded.set(year, p)
  }
  return p
}

/** Loads the years spanned by the given instants (and the current one). */
export function ensureYears(instants: number[]): Promise<void> {
  const years = new Set<number>([new Date().getFullYear()])
  for (const t of instants) if (t) years.add(new Date(t + 8 * 3_600_000).getUTCFullYear())
  return Promise.all([...years].map(loadYear)).then(() => undefined)
}

export function workCalendar(): WorkCalendar {
  void calendarVersion.value
  return calendar
}

/** Forget what was loaded (after editing the calendar). */
export function invalidateCalendar(): void {
  loaded.clear()
  calendar.clear()
  calendarVersion.value++
}
