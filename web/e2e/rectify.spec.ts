// Rectification ledger (issue 13, items 5, 6 and 8): the bureau raises a public item for 内科 of
// H001 on the ledger page; the department head (dept), on a phone, starts it, writes the measures,
// adds an evidence photo and submits it; another hospital (hosp2) can neither list nor open it;
// the inspector finds it in 整改验收 and verifies it (销号); the unit's public page (/g) shows it
// as 已销号, without names. An import with a bad row stores nothing and lists the row. Issue 13
// items 5 and 8: the 责任人 box suggests the owner unit's staff and takes free words; units show
// with their hospital (市第一人民医院 / 内科); the hospital's admin moves an item's deadline and
// publishes it (the public page follows, the timeline says so); the whole ledger fits a phone
// for dept, inspector and bureau. Needs a running server with demo data (see foundation.spec.ts).
// Every run raises a new item, so it can be repeated on the same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  PHONE,
  apiGet,
  apiPost,
  apiSend,
  ancestorNames,
  byTestId,
  clearToasts,
  expectHiddenFrom,
  inputOf,
  launch,
  login,
  newPage,
  newPhonePage,
  nodeByCode,
  pickNode,
  poll,
  shanghaiDay,
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

const HOSPITAL_DEPT = '市第一人民医院 / 内科'

/** The page and the console's main area are no wider than the phone (no sideways scroll); a screenshot. */
async function expectFitsPhone(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300) // layout after the data arrived
  const m = await page.evaluate(() => {
    const main = document.querySelector<HTMLElement>('.el-main')
    return { doc: document.documentElement.scrollWidth, mainOver: main ? main.scrollWidth - main.clientWidth : 0 }
  })
  expect(m.doc, `${name}: document.documentElement.scrollWidth`).toBeLessThanOrEqual(PHONE.width)
  expect(m.mainOver, `${name}: the main area scrolls sideways by`).toBeLessThanOrEqual(0)
  await shot(page, name)
}

/** The dialog lies inside the phone's width and the page does not scroll sideways; a screenshot. */
async function expectDialogFitsPhone(page: Page, testid: string, name: string): Promise<void> {
  const dialog = byTestId(page, testid)
  await dialog.waitFor()
  await page.waitForTimeout(350) // the opening transition
  const box = await dialog.boundingBox()
  expect(box, `${name}: dialog box`).toBeTruthy()
  expect(box!.x, `${name}: dialog left edge`).toBeGreaterThanOrEqual(0)
  expect(box!.x + box!.width, `${name}: dialog right edge`).toBeLessThanOrEqual(PHONE.width)
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name}: scrollWidth`).toBeLessThanOrEqual(PHONE.width)
  await shot(page, name)
}

/** The suggestions of the 责任人 box on screen (names with their title and department). */
const responsibleOptions = (page: Page) => page.locator('.rect-responsible-pop:visible li')

/** An item raised over the API by the signed-in manager (its id and code). */
async function raise(page: Page, unitCode: string, search: string, body: Record<string, unknown>): Promise<{ id: string; code: string }> {
  const unit = await nodeByCode(page, unitCode, search)
  const r = await apiPost<{ id: string; code: string }>(page, '/api/v1/rectifications', { unit_id: unit.id, ...body })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body
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
    // 责任人: the staff of 内科 are suggested (name, title · department); one is picked.
    await inputOf(page, 'rect-form-responsible').click()
    await poll(() => responsibleOptions(page).count()).toBeGreaterThan(0)
    const offered = await responsibleOptions(page).allInnerTexts()
    for (const o of offered) expect(o).toContain('内科')
    await shot(page, 'rectify-create-responsible-desktop')
    const picked = (await responsibleOptions(page).first().locator('.name').innerText()).trim()
    await responsibleOptions(page).first().click()
    await poll(() => inputOf(page, 'rect-form-responsible').inputValue()).toBe(picked)
    await byTestId(page, 'rect-form-public').click()
    await shot(page, 'rectify-create-desktop')
    await submitDialog(page, 'rect-create-submit', 'rect-create-dialog')

    // The new item's page opens: 未开始, 手工录入, 内科.
    await page.waitForURL((u) => /\/rectifications\/\d+$/.test(u.pathname))
    itemId = new URL(page.url()).pathname.split('/').pop()!
    await poll(() => statusText(page)).toBe('未开始')
    itemCode = (await byTestId(page, 'rect-code').innerText()).trim()
    expect(itemCode).toMatch(/^ZG\d{8}-\d{4}$/)
    expect(await byTestId(page, 'rect-unit').innerText()).toBe(HOSPITAL_DEPT)
    expect(await byTestId(page, 'rect-header').innerText()).toContain(picked)
    expect(await byTestId(page, 'rect-source').innerText()).toBe('手工录入')
    expect(await byTestId(page, 'rect-problem').innerText()).toBe(problem)

    // The ledger lists it, found by its code.
    await page.goto('/rectifications?q=' + encodeURIComponent(itemCode))
    await poll(() => byTestId(page, `rect-status-${itemCode}`).innerText()).toBe('未开始')
    // The unit column names the department with its hospital.
    expect(await byTestId(page, `rect-unit-${itemCode}`).innerText()).toBe(HOSPITAL_DEPT)
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
    expect(await byTestId(page, `rect-unit-${itemCode}`).innerText()).toContain(HOSPITAL_DEPT)
    await expectFitsPhone(page, 'rectify-ledger-phone')
    await byTestId(page, `rect-link-${itemCode}`).click()
    await page.waitForURL((u) => u.pathname === `/rectifications/${itemId}`)
    await poll(() => statusText(page)).toBe('未开始')

    await act(page, 'start')
    await poll(() => statusText(page)).toBe('整改中')
    // The owner edits its own part only: no 修改事项信息 (problem, deadline, 公示).
    expect(await byTestId(page, 'rect-manage-edit').count()).toBe(0)

    // Submitting before the measures are written is stopped with a Chinese hint.
    await byTestId(page, 'rect-action-submit').click()
    await poll(() => page.locator('.el-message').last().innerText()).toContain('整改措施')
    expect(await byTestId(page, 'rect-action-dialog').isVisible()).toBe(false)

    await textareaOf(page, 'rect-edit-cause').fill('候诊人数多，轮椅无固定停放处')
    await textareaOf(page, 'rect-edit-measures').fill(measures)
    // 责任人 suggests 内科's staff; free words (a post, a name not in the staff list) are kept.
    await inputOf(page, 'rect-edit-responsible').fill('')
    await poll(() => responsibleOptions(page).count()).toBeGreaterThan(0)
    expect(await responsibleOptions(page).first().innerText()).toContain('内科')
    await shot(page, 'rectify-responsible-phone')
    await inputOf(page, 'rect-edit-responsible').fill(responsible)
    await byTestId(page, 'rect-edit-save').click()
    await poll(() => page.locator('.el-message').last().innerText()).toContain('已保存')

    await byTestId(page, 'rect-evidence-input').setInputFiles({ name: `通道已清理-${stamp}.png`, mimeType: 'image/png', buffer: pngBytes })
    await poll(() => page.locator('[data-testid="rect-evidence-image"]').count()).toBe(1)
    // The thumbnail is the stored file, fetched with the session.
    const img = page.locator('[data-testid="rect-evidence-image"] img').first()
    await poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1)
    await poll(() => byTestId(page, 'rect-header').innerText()).toContain(responsible)
    await expectFitsPhone(page, 'rectify-detail-phone')

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
    await expectHiddenFrom(browser, 'hosp2', {
      id: itemId,
      list: '/api/v1/rectifications?q=' + encodeURIComponent(itemCode),
      api: `/api/v1/rectifications/${itemId}`,
      page: `/rectifications/${itemId}`,
      missing: 'rect-missing',
      text: problem,
    })
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

  it("the hospital's admin moves an item's deadline and publishes it; the timeline and the public page follow", async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    const own = `门诊输液室座椅破损（${stamp}）`
    const item = await raise(page, 'H001-NK', '内科', { problem: own, source: 'self_inspection' })
    await page.goto(`/rectifications/${item.id}`)
    await poll(() => statusText(page)).toBe('未开始')
    expect(await byTestId(page, 'rect-unit').innerText()).toBe(HOSPITAL_DEPT)

    // An empty problem is refused next to its field; nothing is sent.
    await byTestId(page, 'rect-manage-edit').click()
    await byTestId(page, 'rect-manage-form').waitFor()
    await textareaOf(page, 'rect-manage-problem').fill('  ')
    await byTestId(page, 'rect-manage-save').click()
    const problemItem = page.locator('[data-testid="rect-manage-form"] .el-form-item.is-error')
    await poll(() => problemItem.first().innerText()).toContain('请填写问题')
    await textareaOf(page, 'rect-manage-problem').fill(own)

    // A new deadline (the default is 15 working days, about three weeks), 是否公示 on (the line under the switch says what the public sees), a category.
    const until = shanghaiDay(40)
    const picker = inputOf(page, 'rect-manage-deadline')
    await picker.click()
    await picker.fill(until)
    await picker.press('Enter')
    await page.keyboard.press('Escape')
    await inputOf(page, 'rect-manage-category').fill('就医环境')
    expect(await byTestId(page, 'rect-manage-public-hint').innerText()).toContain('不公示')
    await page.locator('[data-testid="rect-manage-public"] .el-switch').first().click()
    await poll(() => byTestId(page, 'rect-manage-public-hint').innerText()).toContain('整改情况公示页')
    expect(await byTestId(page, 'rect-manage-public-hint').innerText()).toContain('不显示人名')
    await shot(page, 'rectify-manage-desktop')
    await byTestId(page, 'rect-manage-save').click()
    await byTestId(page, 'rect-manage-form').waitFor({ state: 'hidden' })

    // The item shows it, and the timeline records who changed what.
    await poll(() => byTestId(page, 'rect-deadline').innerText()).toContain(until)
    await poll(() => byTestId(page, 'rect-category').innerText()).toBe('就医环境')
    expect(await byTestId(page, 'rect-title-public').innerText()).toBe('公示')
    const tl = await byTestId(page, 'rect-timeline').innerText()
    expect(tl).toContain(`整改时限 ${until}`)
    expect(tl).toContain('公示')
    await clearToasts(page)
    await shot(page, 'rectify-managed-desktop')

    // The public page of H001 lists it with the new deadline …
    const pub = await newPhonePage(browser)
    await pub.goto('/g?unit=H001')
    const card = pub.locator('.item', { hasText: own })
    await card.waitFor()
    expect(await card.innerText()).toContain(until)

    // … and no longer once the admin turns 公示 off.
    await byTestId(page, 'rect-manage-edit').click()
    await page.locator('[data-testid="rect-manage-public"] .el-switch').first().click()
    await poll(() => byTestId(page, 'rect-manage-public-hint').innerText()).toContain('不公示')
    await byTestId(page, 'rect-manage-save').click()
    await byTestId(page, 'rect-manage-form').waitFor({ state: 'hidden' })
    await poll(() => byTestId(page, 'rect-title-public').innerText()).toBe('不公示')
    await pub.goto('/g?unit=H001')
    await pub.locator('#unit', { hasText: '市第一人民医院' }).waitFor()
    await pub.waitForTimeout(500)
    expect(await pub.locator('.item', { hasText: own }).count()).toBe(0)
    await pub.context().close()

    // Once cancelled (撤销) nothing of it can be changed: the edit is gone.
    expect((await apiPost(page, `/api/v1/rectifications/${item.id}/actions/cancel`, { reason: '重复登记' })).status).toBe(200)
    await byTestId(page, 'rect-refresh').click()
    await poll(() => statusText(page)).toBe('已撤销')
    expect(await byTestId(page, 'rect-manage-edit').count()).toBe(0)
    await page.context().close()
  })

  it('the whole ledger fits a phone for the department, the inspector and the bureau', async () => {
    // An item of 内科 waiting for verification, with a long problem and a hazard's extra fields.
    const setup = await newPage(browser)
    await login(setup, 'bureau')
    const long = `急诊科抢救室除颤仪未按规定每日自检，自检记录本缺失近两周记录，设备维护责任不清（${stamp}）`
    const item = await raise(setup, 'H001-NK', '内科', { problem: long, hazard: true, severity: 'general', responsible: '护士长' })
    await setup.context().close()

    const dept = await newPhonePage(browser)
    await login(dept, 'dept')
    await dept.goto(`/rectifications/${item.id}`)
    await poll(() => statusText(dept)).toBe('未开始')
    await expectFitsPhone(dept, 'rectify-phone-dept-pending')
    expect((await apiPost(dept, `/api/v1/rectifications/${item.id}/actions/start`, {})).status).toBe(200)
    await byTestId(dept, 'rect-refresh').click()
    await poll(() => statusText(dept)).toBe('整改中')
    await textareaOf(dept, 'rect-edit-measures').waitFor()
    await expectFitsPhone(dept, 'rectify-phone-dept-edit')
    expect((await apiSend(dept, 'PATCH', `/api/v1/rectifications/${item.id}`, { measures: '每日交班前自检并签字，科室质控员每周抽查' })).status).toBe(200)
    expect((await apiPost(dept, `/api/v1/rectifications/${item.id}/actions/submit`, { note: '已建立自检登记制度' })).status).toBe(200)
    await dept.context().close()

    const ins = await newPhonePage(browser)
    await login(ins, 'inspector')
    await ins.goto('/rectify-verify?q=' + encodeURIComponent(item.code))
    await byTestId(ins, 'rect-cards').waitFor()
    await poll(() => byTestId(ins, `rect-status-${item.code}`).innerText()).toBe('待验收')
    expect(await byTestId(ins, `rect-unit-${item.code}`).innerText()).toContain(HOSPITAL_DEPT)
    await expectFitsPhone(ins, 'rectify-phone-verify-queue')
    await byTestId(ins, `rect-link-${item.code}`).click()
    await ins.waitForURL((u) => u.pathname === `/rectifications/${item.id}`)
    await poll(() => statusText(ins)).toBe('待验收')
    expect(await byTestId(ins, 'rect-manage-edit').count()).toBe(0)
    await byTestId(ins, 'rect-action-verify').waitFor()
    await expectFitsPhone(ins, 'rectify-phone-inspector-detail')
    // The 重新整改 dialog (reason and a new date) fits too; closed without acting.
    await byTestId(ins, 'rect-action-redo').click()
    await expectDialogFitsPhone(ins, 'rect-action-dialog', 'rectify-phone-redo-dialog')
    await ins.keyboard.press('Escape')
    await ins.context().close()

    const bureau = await newPhonePage(browser)
    await login(bureau, 'bureau')
    await bureau.goto('/rectifications')
    await byTestId(bureau, 'rect-cards').waitFor()
    await expectFitsPhone(bureau, 'rectify-phone-bureau-ledger')
    await byTestId(bureau, 'rect-new').click()
    await expectDialogFitsPhone(bureau, 'rect-create-dialog', 'rectify-phone-create-dialog')
    await bureau.keyboard.press('Escape')
    await bureau.goto(`/rectifications/${item.id}`)
    await poll(() => statusText(bureau)).toBe('待验收')
    await byTestId(bureau, 'rect-manage-edit').click()
    await byTestId(bureau, 'rect-manage-form').waitFor()
    await expectFitsPhone(bureau, 'rectify-phone-bureau-manage')
    await bureau.context().close()
  })
})
