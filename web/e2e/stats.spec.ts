// Statistics that must not mislead (issue 10, item 11), as the bureau and a hospital see them:
// the 满意度 dashboard shows one survey (the patient survey) unless several are picked, the
// ranking ranks like with like (county bureaus apart from hospitals) with the groups shown, and
// 投诉统计 breaks the hospital's cases down by department. Needs a running server with demo data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { apiGet, byTestId, launch, login, newPage, openSelect, poll, shot } from './helpers'

interface Dash {
  surveys: { id: string; name: string }[]
  dimensions: { name: string; template_name: string }[]
  ranking: { groups: { kind: string; count: number }[]; items: { name: string; group: string; rank: number | null }[] }
}

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** The rows' text of a ranking group's table. */
async function groupRows(page: Page, kind: string): Promise<string[]> {
  return byTestId(page, `dash-group-${kind}`).locator('.el-table__body tr').allInnerTexts()
}

describe('statistics', () => {
  it('the dashboard shows the patient survey alone unless several surveys are picked', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/satisfaction')
    await poll(() => byTestId(page, 'dash-surveys').innerText()).toBe('问卷：门诊患者满意度')
    // the survey filter shows the one survey whose figures are on the page
    await poll(() => byTestId(page, 'dash-template').innerText()).toContain('门诊患者满意度')
    await byTestId(page, 'dash-dimensions').locator('canvas').first().waitFor()
    const d = (await apiGet<Dash>(page, '/api/v1/satisfaction/dashboard')).body
    expect(d.dimensions.map((x) => x.name)).not.toContain('薪酬待遇')
    expect(d.dimensions.map((x) => x.name)).not.toContain('职业发展')
    await page.waitForTimeout(1000)
    await shot(page, 'stats-01-dashboard-default')
    // pick the staff survey as well: both named, each dimension labelled with its survey
    await openSelect(page, 'dash-template')
    await page.locator('.el-select-dropdown__item:visible', { hasText: /^\s*医务人员满意度 v\d+\s*$/ }).first().click()
    await page.keyboard.press('Escape')
    await byTestId(page, 'dash-search').click()
    await poll(() => byTestId(page, 'dash-surveys').innerText()).toMatch(/门诊患者满意度.*医务人员满意度|医务人员满意度.*门诊患者满意度/)
    await page.waitForTimeout(1000)
    await shot(page, 'stats-02-dashboard-two-surveys')
    await page.context().close()
  })

  it('the bureau ranking ranks county bureaus and hospitals in separate groups', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/satisfaction')
    await poll(() => byTestId(page, 'dash-group-title-county').innerText()).toBe('县（区）卫生健康局（3 个，组内排名）')
    await poll(() => byTestId(page, 'dash-group-title-institution').innerText()).toBe('医疗机构（3 个，组内排名）')
    const counties = await groupRows(page, 'county')
    const hospitals = await groupRows(page, 'institution')
    expect(counties).toHaveLength(3)
    expect(hospitals).toHaveLength(3)
    for (const r of counties) expect(r).toMatch(/卫生健康局/)
    for (const r of hospitals) expect(r).not.toMatch(/卫生健康局/)
    expect(hospitals.join('\n')).toContain('市第一人民医院')
    // each group is ranked from 1
    const d = (await apiGet<Dash>(page, '/api/v1/satisfaction/dashboard')).body
    for (const kind of ['county', 'institution']) {
      const ranks = d.ranking.items.filter((i) => i.group === kind && i.rank !== null).map((i) => i.rank)
      if (ranks.length) expect(Math.min(...(ranks as number[]))).toBe(1)
    }
    await byTestId(page, 'dash-ranking-groups-hint').waitFor()
    await page.locator('[data-testid="dash-ranking"]').scrollIntoViewIfNeeded()
    await page.waitForTimeout(800)
    await shot(page, 'stats-03-ranking-groups')
    await page.context().close()
  })

  it('投诉统计 lists the hospital’s departments with their figures', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    await page.goto('/case-stats')
    const table = byTestId(page, 'stats-dept-table')
    await table.locator('.el-table__body tr').first().waitFor()
    const rows = await table.locator('.el-table__body tr').allInnerTexts()
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) expect(r).toContain('市第一人民医院')
    await table.scrollIntoViewIfNeeded()
    await shot(page, 'stats-04-case-departments')
    await page.context().close()
  })
})
