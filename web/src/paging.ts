// Cursor paging: the server gives an opaque next_cursor; going back needs the
// cursors of the pages already seen, kept as a stack.
import { reactive, ref, type Ref } from 'vue'
import type { Page } from './api'

export class CursorPager {
  /** Cursor used to load each visited page; the last one is the current page (null = first page). */
  stack: (string | null)[] = [null]
  /** Cursor of the page after the current one, null when it is the last page. */
  nextCursor: string | null = null

  get current(): string | null {
    return this.stack[this.stack.length - 1]
  }
  get page(): number {
    return this.stack.length
  }
  get hasPrev(): boolean {
    return this.stack.length > 1
  }
  get hasNext(): boolean {
    return this.nextCursor !== null && this.nextCursor !== undefined && this.nextCursor !== ''
  }
  /** Record what the server said about the page just loaded. */
  received(next: string | null | undefined): void {
    this.nextCursor = next ?? null
  }
  /** Move forward; returns the cursor to load, or undefined if there is no next page. */
  goNext(): string | null | undefined {
    if (!this.hasNext) return undefined
    this.stack.push(this.nextCursor)
    this.nextCursor = null
    return this.current
  }
  /** Move back; returns the cursor to load, or undefined on the first page. */
  goPrev(): string | null | undefined {
    if (!this.hasPrev) return undefined
    this.stack.pop()
    this.nextCursor = null
    return this.current
  }
  reset(): void {
    this.stack = [null]
    this.nextCursor = null
  }
}

/** A list page backed by a cursor-paged endpoint. */
export function useCursorList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const pager = reactive(new CursorPager()) as CursorPager
  const items = ref([]) as Ref<T[]>
  const loading = ref(false)
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    try {
      const page = await fetchPage(pager.current)
      if (mine !== seq) return
      items.value = page.items ?? []
      pager.received(page.next_cursor)
    } finally {
      if (mine === seq) loading.value = false
    }
  }
  async function reload(): Promise<void> {
    pager.reset()
    await load()
  }
  async function next(): Promise<void> {
    if (pager.goNext() !== undefined) await load()
  }
  async function prev(): Promise<void> {
    if (pager.goPrev() !== undefined) await load()
  }
  return { pager, items, loading, load, reload, next, prev }
}

/** What useCursorList gives a page (and ListPage takes). */
export type CursorList<T> = ReturnType<typeof useCursorList<T>>

/**
 * A keyset list that grows: the first page, then each "加载更多" appends the next page (the
 * server's next_cursor) until there is none. A reload starts again; an answer that arrives
 * after a newer reload is dropped.
 */
export function useLoadMore<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const items = ref([]) as Ref<T[]>
  const loading = ref(false)
  const nextCursor = ref<string | null>(null)
  let seq = 0

  async function fetchInto(cursor: string | null, append: boolean): Promise<void> {
    const mine = ++seq
    loading.value = true
    try {
      const page = await fetchPage(cursor)
      if (mine !== seq) return
      items.value = append ? [...items.value, ...(page.items ?? [])] : (page.items ?? [])
      nextCursor.value = page.next_cursor || null
    } finally {
      if (mine === seq) loading.value = false
    }
  }
  const reload = () => fetchInto(null, false)
  async function more(): Promise<void> {
    if (nextCursor.value && !loading.value) await fetchInto(nextCursor.value, true)
  }
  return { items, loading, nextCursor, reload, more }
}
export type LoadMoreList<T> = ReturnType<typeof useLoadMore<T>>
