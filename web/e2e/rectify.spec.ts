// Rectification ledger (issue 13, items 5, 6 and 8): the bureau raises a public item for 内科 of
// H001 on the ledger page; the department head (dept), on a phone, starts it, writes the measures,
// adds an evidence photo and submits it; another hospital (hosp2) can neither list nor open it;
// the inspector finds it in 整改验收 and verifies it (销号); the unit's public page (/g) shows it
// as 已销号, without names. An import with a bad row stores nothing and lists the row. Needs a running server with demo data (see foundation.spec.ts).
// Every run raises a new item, so it can be repeated on the same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  apiGet,
  ancestorNames,
  byTestId,
  clearToasts,
  inputOf,
  launch,
  login,
  newPage,
  newPhonePage,
  nodeByCode,
  pickNode,
  poll,
  shot,
  submitDialog,
  textareaOf,
  uniqueStamp,
} from './helpers'

const stamp = uniqueStamp()
const problem = `内科候诊区消防通道被轮椅和杂物堵塞（${stamp}）`
const measures = `清理通道杂物，轮椅统一停放在指定区域，每日巡查（${stamp}）`
const responsible = `王主任${stamp}`
// A real 1×1 PNG (the server checks the bytes, not the name).
const pngBytes = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

let browser: Browser
let itemId = ''
let itemCode = ''

interface ItemLite {
  id: string
  code: string
  status: string
  problem: string
}

async function statusText(page: Page): Promise<string> {
  return (await byTestId(page, 'rect-status').innerText()).trim()
}

/** Click an action button, fill its dialog, confirm, and wait for the dialog to close. */
async function act(page: Page, action: string, fill: () => Promise<void> = async () => undefined): Promise<void> {
  await byTestId(page, `rect-action-${action}`).click()
  await byTestId(page, 'rect-action-dialog').waitFor()
  await fill()
  await submitDialog(page, 'rect-dialog-ok', 'rect-action-dialog')
}

describe('rectification ledger', () => {
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('the bureau raises a public item for 内科 of H001 from the ledger page', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/rectifications')
    await byTestId(page, 'rect-table').waitFor()
    await poll(() => byTestId(page, 'rect-count-all').innerText()).toMatch(/\d/)
    await shot(page, 'rectify-ledger-desktop')

    await byTestId(page, 'rect-new').click()
    await byTestId(page, 'rect-create-dialog').waitFor()
    const nk = await nodeByCode(page, 'H001-NK', '内科')
    await pickNode(page, 'rect-form-unit', ancestorNames(nk), '内科')
    await textareaOf(page, 'rect-form-problem').fill(problem)
    await byTestId(page, 'rect-form-public').click()
    await shot(page, 'rectify-create-desktop')
    await submitDialog(page, 'rect-create-submit', 'rect-create-dialog')

    // The new item's page opens: 未开始, 手工录入, 内科.
    await page.waitForURL((u) => /\/rectifications\/\d+$/.test(u.pathname))
    itemId = new URL(page.url()).pathname.split('/').pop()!
    await poll(() => statusText(page)).toBe('未开始')
    itemCode = (await byTestId(page, 'rect-code').innerText()).trim()
    expect(itemCode).toMatch(/^ZG\d{8}-\d{4}$/)
    expect(await byTestId(page, 'rect-header').innerText()).toContain('内科')
    expect(await byTestId(page, 'rect-source').innerText()).toBe('手工录入')
    expect(await byTestId(page, 'rect-problem').innerText()).toBe(problem)

    // The ledger lists it, found by its code.
    await page.goto('/rectifications?q=' + encodeURIComponent(itemCode))
    await poll(() => byTestId(page, `rect-status-${itemCode}`).innerText()).toBe('未开始')
    await page.context().close()
  })

  it('the department head, on a phone, adds measures and an evidence photo and submits', async () => {
    expect(itemId).not.toBe('')
    const page = await newPhonePage(browser)
    await login(page, 'dept')
    await page.goto('/rectifications')
    // Cards, not the wide table, on a phone.
    await byTestId(page, 'rect-cards').waitFor()
    expect(await byTestId(page, 'rect-table').count()).toBe(0)
    await byTestId(page, `rect-link-${itemCode}`).waitFor()
    await shot(page, 'rectify-ledger-phone')
    await byTestId(page, `rect-link-${itemCode}`).click()
    await page.waitForURL((u) => u.pathname === `/rectifications/${itemId}`)
    await poll(() => statusText(page)).toBe('未开始')

    await act(page, 'start')
    await poll(() => statusText(page)).toBe('整改中')

    // Submitting before the measures are written is stopped with a Chinese hint.
    await byTestId(page, 'rect-action-submit').click()
    await poll(() => page.locator('.el-message').last().innerText()).toContain('整改措施')
    expect(await byTestId(page, 'rect-action-dialog').isVisible()).toBe(false)

    await textareaOf(page, 'rect-edit-cause').fill('候诊人数多，轮椅无固定停放处')
    await textareaOf(page, 'rect-edit-measures').fill(measures)
    await inputOf(page, 'rect-edit-responsible').fill(responsible)
    await byTestId(page, 'rect-edit-save').click()
    await poll(() => page.locator('.el-message').last().innerText()).toContain('已保存')

    await byTestId(page, 'rect-evidence-input').setInputFiles({ name: `通道已清理-${stamp}.png`, mimeType: 'image/png', buffer: pngBytes })
    await poll(() => page.locator('[data-testid="rect-evidence-image"]').count()).toBe(1)
    // The thumbnail is the stored file, fetched with the session.
    const img = page.locator('[data-testid="rect-evidence-image"] img').first()
    await poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1)
    await shot(page, 'rectify-detail-phone')

    await act(page, 'submit', async () => {
      await textareaOf(page, 'rect-action-text').fill('通道已清理，轮椅定点停放，附现场照片')
    })
    await poll(() => statusText(page)).toBe('待验收')
    // The owner may not close its own item.
    expect(await byTestId(page, 'rect-action-verify').count()).toBe(0)
    await poll(() => byTestId(page, 'rect-timeline').innerText()).toContain('提交验收')
    await clearToasts(page)
    await shot(page, 'rectify-submitted-phone')
    await page.context().close()
  })

  it('an import with a bad row stores nothing and shows the rows to fix', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/rectifications')
    const before = await apiGet<{ total: number }>(page, '/api/v1/rectifications/counts')
    await byTestId(page, 'rect-import').click()
    await byTestId(page, 'rect-import-dialog').waitFor()
    const csv = [
      '问题,来源,责任单位,责任人,整改措施,整改时限',
      `导入测试一（${stamp}）,自查,H001-NK,,,`,
      `导入测试二（${stamp}）,自查,没有这个单位${stamp},,,`,
    ].join('\n')
    await byTestId(page, 'rect-import-input').setInputFiles({ name: '整改台账.csv', mimeType: 'text/csv', buffer: Buffer.from(csv + '\n') })
    await byTestId(page, 'rect-import-errors').waitFor()
    // One bad row: the file's row 3 (the header is row 1), its 责任单位.
    const rows = page.locator('[data-testid="rect-import-errors"] .el-table__body tr')
    await poll(() => rows.count()).toBe(1)
    const cells = await rows.first().locator('td').allInnerTexts()
    expect(cells.slice(0, 2).map((c) => c.trim())).toEqual(['3', '责任单位'])
    expect(cells[2]).toContain(`没有这个单位${stamp}`)
    expect(await byTestId(page, 'rect-import-failed').innerText()).toContain('未导入任何记录')
    await shot(page, 'rectify-import-errors-desktop')
    const after = await apiGet<{ total: number }>(page, '/api/v1/rectifications/counts')
    expect(after.body.total).toBe(before.body.total)
    await page.context().close()
  })

  it("an item a complaint opened links to its case and names the case's category", async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    // The demo marks substantiated complaints 需整改, and each opened a ledger item.
    const r = await apiGet<{ items: (ItemLite & { source_ref: string; category: string | null })[] }>(page, '/api/v1/rectifications?source=complaint&limit=20')
    const item = r.body.items.find((i) => i.category)
    expect(item, 'a demo ledger item opened by a complaint, with a category').toBeTruthy()
    await page.goto(`/rectifications/${item!.id}`)
    await poll(() => byTestId(page, 'rect-source').innerText()).toBe('投诉')
    // The category by its name, not the case's code (e.g. process).
    await poll(() => byTestId(page, 'rect-category').innerText()).toMatch(/[\u4e00-\u9fff]/)
    expect(await byTestId(page, 'rect-category').innerText()).not.toBe(item!.category)
    await byTestId(page, 'rect-source-case').click()
    await page.waitForURL((u) => u.pathname.startsWith('/cases/'))
    await poll(() => byTestId(page, 'case-code').innerText()).toBe(item!.source_ref)
    await page.context().close()
  })

  it('another hospital can neither list nor open it', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp2')
    const list = await apiGet<{ items: ItemLite[] }>(page, '/api/v1/rectifications?q=' + encodeURIComponent(itemCode))
    expect(list.status).toBe(200)
    expect(list.body.items.map((i) => i.id)).not.toContain(itemId)
    expect((await apiGet(page, `/api/v1/rectifications/${itemId}`)).status).toBe(404)
    await page.goto(`/rectifications/${itemId}`)
    await byTestId(page, 'rect-missing').waitFor()
    expect(await page.locator('body').innerText()).not.toContain(problem)
    await page.context().close()
  })

  it('the inspector verifies it from 整改验收 and the public page shows it as 已销号', async () => {
    const page = await newPage(browser)
    await login(page, 'inspector')
    await page.goto('/rectify-verify')
    await poll(() => byTestId(page, 'rect-queue-count').innerText()).toMatch(/\d/)
    await inputOf(page, 'rect-filter-q').fill(itemCode)
    await byTestId(page, 'rect-search').click()
    await poll(() => byTestId(page, `rect-status-${itemCode}`).innerText()).toBe('待验收')
    await shot(page, 'rectify-verify-queue-desktop')
    await byTestId(page, `rect-link-${itemCode}`).click()
    await page.waitForURL((u) => u.pathname === `/rectifications/${itemId}`)
    await poll(() => statusText(page)).toBe('待验收')
    expect(await byTestId(page, 'rect-measures').innerText()).toBe(measures)
    await poll(() => page.locator('[data-testid="rect-evidence-image"]').count()).toBe(1)
    await act(page, 'verify', async () => {
      await textareaOf(page, 'rect-action-text').fill('现场核实，通道畅通')
    })
    await poll(() => statusText(page)).toBe('已销号')
    await poll(() => byTestId(page, 'rect-header').innerText()).toContain('验收人')
    await clearToasts(page)
    await shot(page, 'rectify-closed-desktop')
    await page.context().close()

    // 整改情况公示 of H001 on a phone: the item, its measures, 已销号 — and no names.
    const pub = await newPhonePage(browser)
    await pub.goto('/g?unit=H001')
    const card = pub.locator('.item', { hasText: problem })
    await card.waitFor()
    expect(await card.innerText()).toContain(measures)
    expect(await card.locator('.st').last().innerText()).toBe('已销号')
    expect(await card.innerText()).toContain('销号日期')
    expect(await pub.locator('body').innerText()).not.toContain(responsible)
    expect(await pub.locator('#unit').innerText()).toBe('市第一人民医院')
    await card.scrollIntoViewIfNeeded()
    await shot(pub, 'rectify-public-phone')
    await pub.context().close()
  })
})
