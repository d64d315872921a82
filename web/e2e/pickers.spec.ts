// The case dialogs' pickers for a complaint officer (issue 10, items 1 and 5): the officer
// (`handler`, no user-admin rights) assigns a case by searching for a colleague, and sends a
// case to 内科 by typing 内科 into 转办至 without opening any branch of the tree — the server
// searches the officer's whole scope and shows each result's path.
// Needs a running server with demo data (see foundation.spec.ts); every run files new cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { apiGet, byTestId, launch, login, newPage, poll, shot, uniqueStamp } from './helpers'

const stamp = uniqueStamp()
let browser: Browser

/** Files a complaint about 市第一人民医院 on the public form's API; returns the case id as the officer sees it. */
async function fileCase(page: Page, content: string): Promise<string> {
  const phone = `137${String(Date.now()).slice(-8)}`
  const r = await page.request.post('/api/v1/public/cases', { data: { type: 'complaint', unit: 'H001', content, phone } })
  expect(r.status()).toBe(201)
  const code = ((await r.json()) as { tracking_code: string }).tracking_code
  const list = await apiGet<{ items: { id: string; tracking_code: string }[] }>(page, `/api/v1/cases?code=${code}`)
  const id = list.body.items.find((c) => c.tracking_code === code)?.id
  expect(id, 'the filed case is in the officer’s list').toBeTruthy()
  return id!
}

async function openAction(page: Page, action: string) {
  await byTestId(page, `case-action-${action}`).click()
  const dialog = page.locator('.el-dialog:visible').last()
  await dialog.waitFor()
  return dialog
}

async function submit(page: Page, name: string) {
  const dialog = page.locator('.el-dialog:visible').last()
  await byTestId(page, 'case-action-submit').click()
  try {
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 })
  } catch (e) {
    await shot(page, `failed-pickers-${name}`)
    throw new Error(`dialog did not close; messages: ${JSON.stringify(await page.locator('.el-message').allInnerTexts())}; ${(e as Error).message}`)
  }
}

describe('case pickers for a complaint officer', () => {
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('the officer assigns a case by searching for a colleague', async () => {
    const page = await newPage(browser)
    await login(page, 'handler')
    const id = await fileCase(page, `挂号窗口排队一个多小时无人引导（${stamp}）`)
    await page.goto(`/cases/${id}`)
    await byTestId(page, 'case-code').waitFor()
    await openAction(page, 'assign')
    // Everyone who may take the case is offered at once; typing narrows it.
    await byTestId(page, 'case-form-user').click()
    const options = page.locator('.el-select-dropdown__item:visible')
    await poll(() => options.allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('医患关系办公室 受理员')]))
    await page.keyboard.type('院办')
    await poll(() => options.allInnerTexts()).toEqual(['市第一人民医院 院办（hosp1 · 市第一人民医院）'])
    expect(await page.locator('.el-message--error').count()).toBe(0)
    await shot(page, 'pickers-01-assign-search')
    await options.first().click()
    await submit(page, 'assign')
    await poll(() => byTestId(page, 'case-header').innerText()).toContain('市第一人民医院 院办')
    await poll(() => byTestId(page, 'case-timeline').innerText()).toContain('指派给 市第一人民医院 院办')
    await shot(page, 'pickers-02-assigned')
    await page.context().close()
  })

  it('typing 内科 into 转办至 finds it without expanding the tree, with its path', async () => {
    const page = await newPage(browser)
    await login(page, 'handler')
    const id = await fileCase(page, `内科门诊医生问诊敷衍（${stamp}）`)
    await page.goto(`/cases/${id}`)
    await byTestId(page, 'case-code').waitFor()
    await openAction(page, 'transfer')
    await byTestId(page, 'case-form-node').click()
    const popper = page.locator('.node-picker-popper:visible').last()
    await popper.waitFor()
    // The tree shows only the officer's hospital, not opened.
    await poll(() => popper.locator('.el-tree-node__content .node-name').allInnerTexts()).toEqual(['市第一人民医院'])
    await page.keyboard.type('内科')
    const results = popper.locator('[data-testid="node-search-item"]')
    await poll(() => results.allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('市第一人民医院 / 内科')]))
    // Only the officer's own hospital: nothing of 市中医院.
    expect((await results.allInnerTexts()).join('\n')).not.toContain('市中医院')
    expect(await popper.locator('.el-tree-node[aria-expanded="true"]').count()).toBe(0)
    await shot(page, 'pickers-03-transfer-search')
    await results.filter({ hasText: /^\s*市第一人民医院 \/ 内科\s*科室\s*$/ }).first().click()
    await popper.waitFor({ state: 'hidden' })
    await poll(() => byTestId(page, 'case-form-node').innerText()).toContain('内科')
    await page.locator('[data-testid="case-form-note"] textarea, textarea[data-testid="case-form-note"]').first().fill('请内科核实处理')
    await submit(page, 'transfer')
    await poll(() => byTestId(page, 'case-transfer-pending').innerText()).toContain('内科')
    const detail = await apiGet<{ transfer_to: { name: string } }>(page, `/api/v1/cases/${id}`)
    expect(detail.body.transfer_to.name).toBe('内科')
    await shot(page, 'pickers-04-transferred')
    await page.context().close()
  })
})
