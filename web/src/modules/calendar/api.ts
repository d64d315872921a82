// The working calendar's requests.
import { api, request } from '../../api'
import type { CalendarYear, DayChange } from './model'

export function getCalendarYear(year: number): Promise<CalendarYear> {
  return api.get<CalendarYear>('/api/v1/calendar', { year })
}

/** PUT /api/v1/calendar/days/{date} (YYYY-MM-DD). */
export function setCalendarDay(date: string, change: DayChange): Promise<unknown> {
  return request('PUT', `/api/v1/calendar/days/${date}`, { json: change })
}

/** POST /api/v1/calendar/import with a schedule as templates/calendar/*.json writes it; answers the days stored. */
export async function importCalendar(json: string): Promise<number> {
  const r = await request<{ days: number }>('POST', '/api/v1/calendar/import', { text: json, contentType: 'application/json' })
  return r?.days ?? 0
}
