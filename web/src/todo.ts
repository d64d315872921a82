// The home page's to-do (GET /api/v1/me/todo): each count with the list it links to. The
// server counts each with the same filter as that list, so the number equals the rows there.
export interface TodoFigure {
  n: number
  satisfied: number
  rate: number | null
}
export interface Todo {
  cases: { mine: number; due_soon: number; overdue: number; supervised: number } | null
  reviews: { pending: number } | null
  followups: { due_today: number; overdue: number } | null
  staff: { name: string; node_name: string; month: string; own: TodoFigure; department: TodoFigure | null } | null
}
export interface TodoItem {
  /** i18n key under home.item and test id suffix */
  key: string
  count: number
  /** the console route listing exactly these */
  to: string
  /** shown in red when non-zero */
  alert: boolean
}

export function todoItems(t: Todo): TodoItem[] {
  const out: TodoItem[] = []
  if (t.cases) {
    out.push({ key: 'mine', count: t.cases.mine, to: '/cases?tab=mine', alert: false })
    out.push({ key: 'dueSoon', count: t.cases.due_soon, to: '/cases?tab=dueSoon', alert: false })
    out.push({ key: 'overdue', count: t.cases.overdue, to: '/cases?tab=overdue', alert: true })
    out.push({ key: 'supervised', count: t.cases.supervised, to: '/cases?tab=supervised', alert: true })
  }
  if (t.reviews) out.push({ key: 'reviews', count: t.reviews.pending, to: '/sat-reviews', alert: false })
  if (t.followups) {
    out.push({ key: 'followups', count: t.followups.due_today, to: '/sat-followups?due=today', alert: false })
    out.push({ key: 'followupsOverdue', count: t.followups.overdue, to: '/sat-followups?due=overdue', alert: true })
  }
  return out
}
