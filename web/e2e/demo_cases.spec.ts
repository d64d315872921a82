// The demo's cases are real work (issue 10, item 14): as the bureau, 投诉统计 shows rates that
// stand on many cases with their n, a small scope's rates with n and a 95% interval instead of
// a bare 100%, a non-zero average handling time, and a worked case's timeline holds its
// transfer, answer and callback. Desktop and phone (390×844). Needs a server with demo data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { ancestorNames, apiGet, byTestId, launch, login, newPage, newPhonePage, pickNode, poll, shot, type NodeInfo } from './helpers'

interface Figures {
  id?: string
  name: string
  replied: number
  handled: number
  callbacks: number
  on_time_rate: number | null
  reopen_rate: number | null
  satisfaction_rate: number | null
  avg_handling_days: number | null
}
interface Stats extends Figures {
  total: number
  by_unit: Figures[]
  by_department: (Figures & { id: string | null })[]
}
interface CaseDetail {
  id: string
  tracking_code: string
  events: { action: string }[]
}

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

function yearRange(): string {
  const d = new Date(Date.now() + 8 * 3_600_000)
  return `from=${d.getUTCFullYear()}-01-01&to=${d.toISOString().slice(0, 10)}`
}

/** The headline note under a rate: its n, and on small n the interval. */
async function note(page: Page, id: string): Promise<string> {
  return (await byTestId(page, id).innerText()).trim()
}

function expectNote(text: string, n: number) {
  if (n > 0 && n < 30) expect(text).toMatch(new RegExp(`^n = ${n}，95% 区间 \\d+%–\\d+%$`))
  else expect(text).toBe(`n = ${n}`)
}

/** A closed case of the demo whose history holds a transfer, an answer and a callback. */
async function workedCase(page: Page): Promise<CaseDetail> {
  let cursor = ''
  for (let pages = 0; pages < 10; pages++) {
    const list = await apiGet<{ items: { id: string }[]; next_cursor?: string | null }>(
      page,
      `/api/v1/cases?type=complaint&status=closed&limit=50${cursor ? `&cursor=${cursor}` : ''}`,
    )
    for (const row of list.body.items) {
      const c = (await apiGet<CaseDetail>(page, `/api/v1/cases/${row.id}`)).body
      const acts = new Set(c.events.map((e) => e.action))
      if (acts.has('transfer') && acts.has('transfer_accept') && acts.has('reply') && acts.has('callback')) return c
    }
    if (!list.body.next_cursor) break
    cursor = list.body.next_cursor
  }
  throw new Error('no worked complaint with a transfer, an answer and a callback in the demo')
}

describe('demo cases', () => {
  it('投诉统计 shows real rates with their n, and a small scope’s interval', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    const all = (await apiGet<Stats>(page, `/api/v1/case-reports/stats?${yearRange()}`)).body
    // The demo's cases this year: rates between 0 and 1 on hundreds of cases, real handling time.
    expect(all.replied).toBeGreaterThan(100)
    expect(all.on_time_rate!).toBeGreaterThan(0)
    expect(all.on_time_rate!).toBeLessThan(1)
    expect(all.reopen_rate!).toBeGreaterThan(0)
    expect(all.avg_handling_days!).toBeGreaterThan(0.1)

    await page.goto('/case-stats')
    await byTestId(page, 'stats-cards').waitFor()
    await poll(() => note(page, 'stats-ontime-n')).toBe(`n = ${all.replied}`)
    expectNote(await note(page, 'stats-reopen-n'), all.handled)
    expectNote(await note(page, 'stats-satisfaction-n'), all.callbacks)
    expect(await note(page, 'stats-avg-n')).toBe(`n = ${all.replied}`)
    const avg = (await byTestId(page, 'stats-avg').innerText()).trim()
    expect(avg).toMatch(/^\d+\.\d个工作日$/)
    expect(parseFloat(avg)).toBeGreaterThan(0)
    // The unit table: every rate with its n; a unit with few callbacks shows the interval.
    const rows = await byTestId(page, 'stats-table').locator('.el-table__body tr').allInnerTexts()
    expect(rows.length).toBe(all.by_unit.length)
    for (const r of rows) expect(r).toMatch(/n = \d+/)
    await shot(page, 'demo-cases-01-stats-city')
    await byTestId(page, 'stats-table').scrollIntoViewIfNeeded()
    await shot(page, 'demo-cases-01b-stats-units')

    // A small scope: an institution with fewer than 30 answered cases this year, else a department.
    const few = (rows: Figures[]) => rows.filter((u) => u.id && u.replied > 0 && u.replied < 30).sort((a, b) => b.replied - a.replied)
    const small = few(all.by_unit)[0] ?? few(all.by_department)[0]
    expect(small).toBeDefined()
    const node = (await apiGet<NodeInfo>(page, `/api/v1/org/nodes/${small.id}`)).body
    await pickNode(page, 'stats-node', ancestorNames(node), node.name)
    await byTestId(page, 'stats-search').click()
    const scoped = (await apiGet<Stats>(page, `/api/v1/case-reports/stats?${yearRange()}&node=${small.id}`)).body
    await poll(() => note(page, 'stats-ontime-n')).toMatch(new RegExp(`^n = ${scoped.replied}，95% 区间`))
    const ontime = (await byTestId(page, 'stats-ontime').innerText()).trim()
    expect(ontime).toMatch(/^\d+\.\d%$/)
    expectNote(await note(page, 'stats-ontime-n'), scoped.replied)
    expectNote(await note(page, 'stats-reopen-n'), scoped.handled)
    expectNote(await note(page, 'stats-satisfaction-n'), scoped.callbacks)
    // The interval holds the rate shown.
    const [low, high] = (await note(page, 'stats-ontime-n')).match(/(\d+)%–(\d+)%/)!.slice(1).map(Number)
    expect(low).toBeLessThanOrEqual(parseFloat(ontime))
    expect(high).toBeGreaterThanOrEqual(Math.floor(parseFloat(ontime)))
    expect(parseFloat((await byTestId(page, 'stats-avg').innerText()).trim())).toBeGreaterThan(0)
    await shot(page, 'demo-cases-02-stats-small-scope')
    await page.context().close()
  })

  it('a worked case’s timeline holds its transfer, answer and callback', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    const c = await workedCase(page)
    await page.goto(`/cases/${c.id}`)
    const timeline = byTestId(page, 'case-timeline')
    await timeline.waitFor()
    const text = await timeline.innerText()
    for (const label of ['转办', '接收转办', '答复', '回访', '已办结']) expect(text).toContain(label)
    expect(text).toMatch(/回访：(满意|基本满意|不满意)/)
    await timeline.scrollIntoViewIfNeeded()
    await shot(page, 'demo-cases-03-timeline')
    await page.context().close()
  })

  it('on a phone: 投诉统计 and the timeline', async () => {
    const page = await newPhonePage(browser)
    await login(page, 'bureau')
    await page.goto('/case-stats')
    await byTestId(page, 'stats-cards').waitFor()
    await poll(() => note(page, 'stats-ontime-n')).toMatch(/^n = \d+/)
    await shot(page, 'demo-cases-04-stats-phone')
    const c = await workedCase(page)
    await page.goto(`/cases/${c.id}`)
    const timeline = byTestId(page, 'case-timeline')
    await timeline.waitFor()
    expect(await timeline.innerText()).toContain('回访')
    await timeline.scrollIntoViewIfNeeded()
    await shot(page, 'demo-cases-05-timeline-phone')
    await page.context().close()
  })
})
