// The console on a phone (issue 10, item 4) at 390×844: a department head (dept) and a
// handler sign in, open the menu drawer, the case inbox (cards), a case and its action
// dialogs, and the rating comments. No page is wider than the screen and every dialog fits
// inside it. Item 16: 评价录入 submitted incomplete on a phone shows its first error next to
// its field, scrolled into view. Needs a running server with demo data (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { BASE, PHONE, apiGet, byTestId, inputOf, login, newPage, newPhonePage, pickNode, poll, shot, uniqueStamp } from './helpers'

let browser: Browser

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one (see foundation.spec.ts) or set MANYI_URL`)
  }
  const { launch } = await import('./helpers')
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** The page is no wider than the phone, and neither is the content of the main area. */
async function expectFits(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300) // layout after data arrives
  const m = await page.evaluate(() => {
    const main = document.querySelector<HTMLElement>('.el-main')
    return { doc: document.documentElement.scrollWidth, mainOver: main ? main.scrollWidth - main.clientWidth : 0 }
  })
  expect(m.doc, `${name}: document.documentElement.scrollWidth`).toBeLessThanOrEqual(PHONE.width)
  expect(m.mainOver, `${name}: the main area scrolls sideways by`).toBeLessThanOrEqual(0)
  await shot(page, `phone-${name}`)
}

/** The visible dialog box lies inside the viewport horizontally, and its top is on screen. */
async function expectDialogFits(page: Page, name: string): Promise<void> {
  const dialog = page.locator('.el-dialog:visible').last()
  await dialog.waitFor()
  await page.waitForTimeout(350) // the opening transition
  const box = await dialog.boundingBox()
  expect(box, `${name}: dialog box`).toBeTruthy()
  expect(box!.x, `${name}: dialog left edge`).toBeGreaterThanOrEqual(0)
  expect(box!.x + box!.width, `${name}: dialog right edge`).toBeLessThanOrEqual(PHONE.width)
  expect(box!.y, `${name}: dialog top`).toBeGreaterThanOrEqual(0)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
  await shot(page, `phone-${name}`)
}

/** Open the menu drawer with the header's button and follow a menu entry. */
async function viaMenu(page: Page, testid: string, path: string): Promise<void> {
  await expect(byTestId(page, 'side-menu').isVisible()).resolves.toBe(false) // no side bar on a phone
  await byTestId(page, 'menu-button').click()
  const drawer = page.locator('.menu-drawer')
  await drawer.waitFor()
  await page.waitForTimeout(350)
  const box = await drawer.boundingBox()
  expect(box!.width).toBeLessThanOrEqual(PHONE.width)
  await shot(page, `phone-menu-${testid}`)
  await drawer.locator(`[data-testid="${testid}"]`).click()
  await page.waitForURL((u) => u.pathname === path)
  await drawer.waitFor({ state: 'hidden' }) // the drawer closes on navigation
}

/**
 * Open a case from the inbox's cards (the one with `code`, else the first) and check its page and
 * every action dialog; add a note, then take the actions of `then` ([action, reason?]).
 */
async function caseOnPhone(page: Page, who: string, code?: string, then: [string, string?][] = []): Promise<void> {
  await viaMenu(page, 'menu-cases', '/cases')
  const cards = byTestId(page, 'cases-cards')
  await cards.locator('.card-list-item').first().waitFor()
  expect(await byTestId(page, 'cases-table').count(), 'no table on a phone').toBe(0)
  await expectFits(page, `${who}-inbox`)
  if (code) {
    await page.locator('[data-testid="cases-filter-q"] input, input[data-testid="cases-filter-q"]').first().fill(code)
    await byTestId(page, 'cases-search').click()
    await byTestId(page, `case-link-${code}`).click()
  } else await cards.locator('[data-testid^="case-link-"]').first().click()
  await page.waitForURL((u) => /\/cases\/\d+$/.test(u.pathname))
  await byTestId(page, 'case-code').waitFor()
  await byTestId(page, 'case-actions').waitFor()
  await expectFits(page, `${who}-case`)
  // Every action the user has opens a dialog that fits the screen.
  const actions = await page.locator('[data-testid^="case-action-"]:visible').evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-testid')!).filter((id) => id !== 'case-actions'),
  )
  expect(actions, `${who} has actions on the case`).toContain('case-action-note')
  for (const id of actions) {
    await byTestId(page, id).click()
    await expectDialogFits(page, `${who}-dialog-${id.slice('case-action-'.length)}`)
    await page.keyboard.press('Escape')
    await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })
  }
  // Take one action through its dialog: a note on the case.
  const note = `手机上添加的备注 ${who} ${uniqueStamp()}`
  await byTestId(page, 'case-action-note').click()
  await expectDialogFits(page, `${who}-dialog-note-filled`)
  await page.locator('[data-testid="case-form-note"] textarea, textarea[data-testid="case-form-note"]').first().fill(note)
  await byTestId(page, 'case-action-submit').click()
  await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })
  await poll(() => byTestId(page, 'case-timeline').innerText()).toContain(note)
  await expectFits(page, `${who}-case-noted`)
  // Then the workflow actions asked for, each through its dialog.
  for (const [a, reason] of then) {
    const events = await byTestId(page, 'case-timeline').locator('.el-timeline-item').count()
    await byTestId(page, `case-action-${a}`).click()
    if (reason) await page.locator('[data-testid="case-form-reason"] textarea, textarea[data-testid="case-form-reason"]').first().fill(reason)
    await expectDialogFits(page, `${who}-do-${a}`)
    await byTestId(page, 'case-action-submit').click()
    await page.locator('.el-dialog:visible').waitFor({ state: 'hidden' })
    await poll(() => byTestId(page, 'case-timeline').locator('.el-timeline-item').count()).toBeGreaterThan(events)
    await expectFits(page, `${who}-done-${a}`)
  }
}

/** A fresh complaint for the department of `page`'s user, registered by the hotline operator (handler). */
async function complaintFor(page: Page): Promise<string> {
  const me = await apiGet<{ user: { grants: { node_id: string; role: string }[] } }>(page, '/api/v1/me')
  const nodeId = me.body.user.grants[0].node_id
  const handler = await newPage(browser)
  await login(handler, 'handler')
  const csrf = (await apiGet<{ csrf_token: string }>(handler, '/api/v1/me')).body.csrf_token
  const r = await handler.request.post('/api/v1/cases', {
    headers: { 'X-CSRF-Token': csrf },
    data: {
      type: 'complaint',
      channel: 'hotline',
      node_id: nodeId,
      content: `来电反映内科候诊时间过长，手机端测试 ${uniqueStamp()}`,
      complainant_name: '王女士',
      complainant_phone: '13900001234',
    },
  })
  expect(r.status(), await r.text()).toBeLessThan(300)
  const created = (await r.json()) as { id: string; tracking_code: string }
  // Transferred to the department, whose head takes it on from the phone.
  const t = await handler.request.post(`/api/v1/cases/${created.id}/transfer`, {
    headers: { 'X-CSRF-Token': csrf },
    data: { to_node_id: nodeId, note: '请内科核实处理' },
  })
  expect(t.status(), await t.text()).toBeLessThan(300)
  await handler.context().close()
  return created.tracking_code
}

describe('console on a phone (390×844)', () => {
  it('a department head works cases and reads comments on a phone', async () => {
    const page = await newPhonePage(browser)
    await page.goto('/login')
    await expectFits(page, 'login')
    await login(page, 'dept')
    const code = await complaintFor(page)
    await expectFits(page, 'dept-home')
    await caseOnPhone(page, 'dept', code, [['transfer_accept'], ['pause', '等待患者补充就诊记录']])
    await poll(() => byTestId(page, 'case-status').innerText()).toBe('暂停（待补充）')
    await viaMenu(page, 'menu-sat-comments', '/sat-comments')
    const cards = byTestId(page, 'comments-cards')
    await cards.locator('.card-list-item').first().waitFor()
    await expectFits(page, 'dept-comments')
    await cards.locator('[data-testid^="comment-detail-"]').first().click()
    const drawer = page.locator('.el-drawer:visible').last()
    await drawer.waitFor()
    await page.waitForTimeout(350)
    const box = await drawer.boundingBox()
    expect(box!.x).toBeGreaterThanOrEqual(0)
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width)
    await shot(page, 'phone-dept-comment-detail')
    await page.context().close()
  })

  it('a handler works cases on a phone', async () => {
    const page = await newPhonePage(browser)
    await login(page, 'handler')
    await expectFits(page, 'handler-home')
    await caseOnPhone(page, 'handler')
    await page.context().close()
  })

  it('the public rating page keeps every level label on one line at 390 px', async () => {
    const admin = await newPage(browser)
    await login(admin, 'hosp1')
    const pts = await apiGet<{ items: { code: string; active: boolean; template_name: string }[] }>(admin, '/api/v1/points?limit=50')
    const point = pts.body.items.find((p) => p.active && /门诊/.test(p.template_name)) ?? pts.body.items.find((p) => p.active)
    expect(point, 'an active collection point').toBeTruthy()
    await admin.context().close()
    const page = await newPhonePage(browser)
    await page.goto(`/f/${point!.code}`)
    await page.locator('button[data-l="1"]').click() // 非常不满意: the item ratings open below
    const cells = page.locator('.seg b')
    await cells.first().waitFor()
    const lines = await cells.evaluateAll((els) =>
      els.map((e) => {
        const r = document.createRange()
        r.selectNodeContents(e)
        return { text: e.textContent, lines: new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size, over: e.scrollWidth > e.clientWidth }
      }),
    )
    expect(lines.map((l) => l.text)).toContain('非常不满意')
    for (const l of lines) expect(l, `${l.text} on one line, inside its box`).toEqual({ text: l.text, lines: 1, over: false })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await cells.first().scrollIntoViewIfNeeded()
    await shot(page, 'phone-h5-levels')
    await page.context().close()
  })

  it('评价录入 submitted without 总体评价 shows the error next to the field, on screen', async () => {
    const page = await newPhonePage(browser)
    await login(page, 'hosp1')
    await page.goto('/sat-entry')
    // Nothing chosen: the first error is the point, next to its field.
    await byTestId(page, 'entry-submit').scrollIntoViewIfNeeded()
    await byTestId(page, 'entry-submit').click()
    await expectFirstErrorOnScreen(page, '请选择评价点')
    // A point chosen (its survey makes the form long), no overall rating, submitted from the bottom.
    await pickNode(page, 'entry-node', ['市第一人民医院'], '内科')
    await byTestId(page, 'entry-point').click()
    await page.locator('.el-select-dropdown__item:visible').first().click()
    await byTestId(page, 'entry-survey').waitFor()
    await byTestId(page, 'entry-submit').scrollIntoViewIfNeeded()
    const overall = page.locator('.el-form-item', { has: byTestId(page, 'entry-overall') })
    expect(await inViewport(page, overall), 'the overall rating is off screen before submitting').toBe(false)
    await byTestId(page, 'entry-submit').click()
    await expectFirstErrorOnScreen(page, '请选择总体评价')
    await expectFits(page, 'entry-error')
    await page.context().close()
  })

  it('a survey question without options is marked with text, on screen, when saving', async () => {
    const page = await newPhonePage(browser)
    await login(page, 'hosp1')
    await page.goto('/sat-templates')
    await byTestId(page, 'template-copy-outpatient').click()
    await byTestId(page, 'template-copy-dialog').waitFor()
    await inputOf(page, 'template-copy-name').fill(`手机模板${uniqueStamp()}`)
    await byTestId(page, 'template-copy-submit').click()
    await page.waitForURL('**/sat-templates/*')
    await byTestId(page, 'editor-add-item-0').click()
    await byTestId(page, 'editor-add-item-type-single').click()
    const labels = byTestId(page, 'editor-section-0').locator('input[data-testid^="editor-item-label-"]')
    await labels.last().fill('您是通过什么方式预约的')
    const id = ((await labels.last().getAttribute('data-testid')) ?? '').slice('editor-item-label-'.length)
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
    await byTestId(page, 'editor-save').click()
    const problem = byTestId(page, `editor-problem-${id}`)
    await poll(() => problem.innerText()).toContain('至少需要 2 个选项')
    await poll(() => inViewport(page, problem)).toBe(true)
    await shot(page, 'phone-editor-problem')
    await page.context().close()
  })
})

async function inViewport(page: Page, loc: ReturnType<Page['locator']>): Promise<boolean> {
  const box = await loc.boundingBox()
  return !!box && box.y >= 0 && box.y + box.height <= PHONE.height
}

/** The first field in error shows `text` under the field, and that field is on screen. */
async function expectFirstErrorOnScreen(page: Page, text: string): Promise<void> {
  const first = page.locator('.el-form-item.is-error').first()
  await first.waitFor()
  await poll(() => first.locator('.el-form-item__error').innerText()).toBe(text)
  await poll(() => inViewport(page, first)).toBe(true)
  await shot(page, `phone-entry-error-${text}`)
}
