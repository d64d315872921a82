import { describe, it, expect } from 'vitest'
import { CursorPager, useCursorList, useLoadMore } from './paging'

describe('CursorPager', () => {
  it('starts on page 1 with no neighbours', () => {
    const p = new CursorPager()
    expect(p.page).toBe(1)
    expect(p.current).toBeNull()
    expect(p.hasPrev).toBe(false)
    expect(p.hasNext).toBe(false)
    expect(p.goNext()).toBeUndefined()
    expect(p.goPrev()).toBeUndefined()
  })
  it('walks forward and back through a stack of cursors', () => {
    const p = new CursorPager()
    p.received('c2')
    expect(p.hasNext).toBe(true)
    expect(p.goNext()).toBe('c2')
    expect(p.page).toBe(2)
    p.received('c3')
    expect(p.goNext()).toBe('c3')
    expect(p.page).toBe(3)
    p.received(null)
    expect(p.hasNext).toBe(false)
    expect(p.goPrev()).toBe('c2')
    expect(p.page).toBe(2)
    expect(p.goPrev()).toBeNull()
    expect(p.page).toBe(1)
    expect(p.hasPrev).toBe(false)
  })
  it('treats undefined and empty next_cursor as the last page', () => {
    const p = new CursorPager()
    p.received(undefined)
    expect(p.hasNext).toBe(false)
    p.received('')
    expect(p.hasNext).toBe(false)
  })
  it('resets to the first page', () => {
    const p = new CursorPager()
    p.received('a')
    p.goNext()
    p.received('b')
    p.reset()
    expect(p.page).toBe(1)
    expect(p.current).toBeNull()
    expect(p.hasNext).toBe(false)
  })
})

describe('useCursorList', () => {
  it('loads pages with the right cursors', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      first: { items: [1, 2], next_cursor: 'p2' },
      p2: { items: [3, 4], next_cursor: 'p3' },
      p3: { items: [5], next_cursor: null },
    }
    const asked: (string | null)[] = []
    const list = useCursorList<number>(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? 'first']
    })
    await list.reload()
    expect(list.items.value).toEqual([1, 2])
    await list.next()
    await list.next()
    expect(list.items.value).toEqual([5])
    expect(list.pager.page).toBe(3)
    expect(list.pager.hasNext).toBe(false)
    await list.next() // no-op on the last page
    await list.prev()
    expect(list.items.value).toEqual([3, 4])
    expect(list.pager.hasNext).toBe(true)
    await list.reload()
    expect(list.pager.page).toBe(1)
    expect(asked).toEqual([null, 'p2', 'p3', 'p2', null])
    expect(list.loading.value).toBe(false)
  })
})

describe('useLoadMore', () => {
  it('appends each next page and stops at the last', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      first: { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3], next_cursor: null },
    }
    const asked: (string | null)[] = []
    const list = useLoadMore<number>(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? 'first']
    })
    await list.reload()
    expect(list.items.value).toEqual([1, 2])
    expect(list.nextCursor.value).toBe('c2')
    await list.more()
    expect(list.items.value).toEqual([1, 2, 3])
    expect(list.nextCursor.value).toBeNull()
    await list.more() // nothing more to ask for
    await list.reload()
    expect(list.items.value).toEqual([1, 2])
    expect(asked).toEqual([null, 'c2', null])
  })
  it('drops an answer overtaken by a newer reload', async () => {
    let release: (v: { items: string[]; next_cursor: null }) => void = () => undefined
    let call = 0
    const list = useLoadMore<string>((): Promise<{ items: string[]; next_cursor: null }> => {
      call++
      if (call === 1) return new Promise((r) => (release = r))
      return Promise.resolve({ items: ['new'], next_cursor: null })
    })
    const slow = list.reload()
    await list.reload()
    release({ items: ['old'], next_cursor: null })
    await slow
    expect(list.items.value).toEqual(['new'])
    expect(list.loading.value).toBe(false)
  })
})
