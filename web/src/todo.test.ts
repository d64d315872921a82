import { describe, it, expect } from 'vitest'
import { todoItems } from './todo'

describe('todoItems', () => {
  it('links each count to the list that holds exactly those rows', () => {
    const items = todoItems({
      cases: { mine: 2, due_soon: 1, overdue: 3, supervised: 0 },
      reviews: { pending: 5 },
      followups: { due_today: 4, overdue: 2 },
      staff: null,
    })
    expect(items.map((x) => [x.key, x.count, x.to])).toEqual([
      ['mine', 2, '/cases?tab=mine'],
      ['dueSoon', 1, '/cases?tab=dueSoon'],
      ['overdue', 3, '/cases?tab=overdue'],
      ['supervised', 0, '/cases?tab=supervised'],
      ['reviews', 5, '/sat-reviews'],
      ['followups', 4, '/sat-followups?due=today'],
      ['followupsOverdue', 2, '/sat-followups?due=overdue'],
    ])
  })
  it('shows only the parts the user may see', () => {
    expect(todoItems({ cases: null, reviews: null, followups: { due_today: 0, overdue: 0 }, staff: null }).map((x) => x.key)).toEqual(['followups', 'followupsOverdue'])
    expect(todoItems({ cases: null, reviews: null, followups: null, staff: null })).toEqual([])
  })
})
