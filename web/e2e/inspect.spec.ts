// Inspections (issue 13, items 2, 3 and 8): the inspector makes a covert plan (暗访) with the
// shipped 医德医风暗访 checklist on 市第一人民医院 内科 from 检查计划 — its task exists at once; on a
// phone (390×844) they open the task, score a deduction with a note and a photo; the draft survives
// a reload; the network is lost before 提交 and the page says it is kept on the device; when the
// network returns it is submitted exactly once. hosp1 and dept see nothing of the unpublished
// visit (list and direct URL). The inspector publishes it and confirms the finding into the
// 整改台账; dept then sees the inspection and the item, adds measures and evidence and submits it;
// the inspector verifies it (销号) and the unit's public page shows it as 已销号. Every new page
// fits a phone without sideways scroll. Needs a running demo server (see foundation.spec.ts);
// every run makes its own plan, so it can be repeated on the same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  PHONE,
  ancestorNames,
  answerMessageBox,
  apiGet,
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
  pickOption,
  poll,
  shanghaiDay,
  shot,
  submitDialog,
  textareaOf,
  uniqueStamp,
} from './helpers'

const stamp = uniqueStamp()
const planName = `医德医风暗访（${stamp}）`
const note = `挂号窗口对老年患者态度生硬（${stamp}）`
const measures = `窗口人员服务礼仪培训，每周抽查录像（${stamp}）`
// A real 1×1 PNG (the server checks the bytes, not the name).
const pngBytes = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

let browser: Browser
let planId = ''
let taskId = ''
let inspectionId = ''
let itemId = ''
// The 整改时限 the inspector sets on confirming (instead of the default 15 working days).
const due = shanghaiDay(40)

interface TaskLite {
  id: string
  status: string
  inspection_id: string | null
  unit: { id: string; name: string }
}
interface InspLite {
  id: string
  task_id: string
  published_at: number | null
}

/** The page and its main area are no wider than the phone. */
async function expectFits(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300)
  const m = await page.evaluate(() => {
    const main = document.querySelector<HTMLElement>('.el-main')
    return { doc: document.documentElement.scrollWidth, mainOver: main ? main.scrollWidth - main.clientWidth : 0 }
  })
  expect(m.doc, `${name}: document.documentElement.scrollWidth`).toBeLessThanOrEqual(PHONE.width)
  expect(m.mainOver, `${name}: the main area scrolls sideways by`).toBeLessThanOrEqual(0)
  await shot(page, `inspect-${name}-phone`)
}

async function statusText(page: Page): Promise<string> {
  return (await byTestId(page, 'rect-status').innerText()).trim()
}
async function act(page: Page, action: string, fill: () => Promise<void> = async () => undefined): Promise<void> {
  await byTestId(page, `rect-action-${action}`).click()
  await byTestId(page, 'rect-action-dialog').waitFor()
  await fill()
  await submitDialog(page, 'rect-dialog-ok', 'rect-action-dialog')
}
async function inspectionsOfPlan(page: Page): Promise<InspLite[]> {
  return (await apiGet<{ items: InspLite[] }>(page, `/api/v1/inspections?plan=${planId}`)).body.items ?? []
}

describe('inspections: a covert visit from plan to 销号', () => {
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('the inspector makes a covert plan on 内科 and its task exists at once', async () => {
    const page = await newPage(browser)
    await login(page, 'inspector')
    await page.goto('/inspection-plans')
    await byTestId(page, 'plan-table').waitFor()
    await byTestId(page, 'plan-add').click()
    await byTestId(page, 'plan-dialog').waitFor()
    // Saving an empty form names the fields next to them; nothing is sent.
    await byTestId(page, 'plan-save').click()
    await poll(() => page.locator('.plan-dialog .el-form-item.is-error').count()).toBeGreaterThanOrEqual(3)
    await poll(() => page.locator('.plan-dialog').innerText()).toContain('请填写计划名称')
    await inputOf(page, 'plan-name').fill(planName)
    await pickOption(page, 'plan-template', '医德医风暗访')
    const nk = await nodeByCode(page, 'H001-NK', '内科')
    await pickNode(page, 'plan-scope', ancestorNames(nk), '内科')
    await byTestId(page, 'plan-covert').click()
    await poll(() => byTestId(page, 'plan-inspectors').innerText()).toContain('本人')
    await shot(page, 'inspect-plan-dialog-desktop')
    await submitDialog(page, 'plan-save', 'plan-dialog')
    await poll(() => page.locator('[data-testid="plan-table"]').innerText()).toContain(planName)
    const row = page.locator('[data-testid="plan-table"] .el-table__row', { hasText: planName }).first()
    expect(await row.innerText()).toContain('暗访')
    expect(await row.innerText()).toContain('每月')
    await poll(() => row.innerText()).toContain('内科') // the covered subtree, by name
    await clearToasts(page)
    await shot(page, 'inspect-plans-desktop')

    const plans = await apiGet<{ items: { id: string; name: string; covert: boolean; owner: { id: string } }[] }>(page, '/api/v1/inspection-plans')
    const plan = plans.body.items.find((p) => p.name === planName)
    expect(plan?.covert).toBe(true)
    // Owned by the inspector's own unit, above the department: 内科 is not on the planner's side.
    expect(plan?.owner.id).not.toBe(nk.id)
    planId = plan!.id
    // No waiting for the job: the task of this period is there right after the plan is made.
    const tasks = await apiGet<{ items: TaskLite[] }>(page, `/api/v1/inspection-tasks?mine=1&plan=${planId}`)
    expect(tasks.body.items.map((t) => t.unit.name)).toEqual(['内科'])
    taskId = tasks.body.items[0].id

    // The coverage board: 0 of 1, under the 100% target (red).
    await page.goto(`/inspection-coverage?plan=${planId}`)
    await poll(() => byTestId(page, 'cov-rate').innerText()).toBe('0%')
    expect(await byTestId(page, 'cov-met').innerText()).toBe('未达标')
    await shot(page, 'inspect-coverage-desktop')
    await page.context().close()
  })

  it('on a phone: a deduction with a note and a photo, kept on the device offline, submitted once when back online', async () => {
    expect(taskId).not.toBe('')
    const page = await newPhonePage(browser)
    await login(page, 'inspector')
    await page.goto('/inspection-tasks')
    await byTestId(page, `task-card-${taskId}`).waitFor()
    expect(await byTestId(page, `task-card-${taskId}`).innerText()).toContain('待检查')
    await expectFits(page, 'tasks')
    await byTestId(page, `task-card-${taskId}`).click()
    await page.waitForURL((u) => u.pathname === `/inspection-tasks/${taskId}`)
    await byTestId(page, 'form-renderer').waitFor()

    // A deduction (1 处) with a note and a photo; the other required items answered.
    await byTestId(page, 'fill-plus-cold').click()
    await textareaOf(page, 'fill-note-cold').fill(note)
    await page.locator('[data-testid="fill-photo-cold"] input[type=file]').setInputFiles({ name: `现场-${stamp}.png`, mimeType: 'image/png', buffer: pngBytes })
    await poll(() => page.locator('[data-testid="fill-thumb-cold"]').count()).toBe(1)
    for (const id of ['taboo', 'impatient', 'overtreat', 'off_duty', 'dress']) await byTestId(page, `fill-minus-${id}`).click()
    for (const [id, v] of [['first_contact', 'yes'], ['fees', 'yes'], ['outside_pharmacy', 'no'], ['informed', 'yes'], ['red_envelope', 'no'], ['kickback', 'no']])
      await byTestId(page, `fill-option-${id}-${v}`).click()
    await byTestId(page, 'task-draft-saved').waitFor()
    await page.waitForTimeout(400) // the last change's save

    // A reload keeps the draft: the count, the note, the photo.
    await page.reload()
    await byTestId(page, 'form-renderer').waitFor()
    await poll(() => byTestId(page, 'fill-count-cold').innerText()).toBe('1')
    expect(await textareaOf(page, 'fill-note-cold').inputValue()).toBe(note)
    await poll(() => page.locator('[data-testid="fill-thumb-cold"]').count()).toBe(1)
    await shot(page, 'inspect-task-draft-phone')
    await expectFits(page, 'task')

    // The network goes before 提交: the page keeps it on the device.
    await page.context().setOffline(true)
    await byTestId(page, 'task-submit').click()
    await answerMessageBox(page, true)
    await byTestId(page, 'task-saved-local').waitFor()
    expect(await byTestId(page, 'task-saved-local').innerText()).toContain('已保存在本机，联网后自动提交')
    await clearToasts(page)
    await shot(page, 'inspect-task-offline-phone')
    const desk = await newPage(browser)
    await login(desk, 'inspector')
    expect(await inspectionsOfPlan(desk)).toHaveLength(0)

    // Back online: submitted by itself, once, then the result shows.
    await page.context().setOffline(false)
    await byTestId(page, 'task-result').waitFor({ timeout: 30_000 })
    await poll(async () => (await inspectionsOfPlan(desk)).length).toBe(1)
    const [x] = await inspectionsOfPlan(desk)
    expect(x.task_id).toBe(taskId)
    expect(x.published_at).toBeNull()
    inspectionId = x.id
    const detail = await apiGet<{ photos: unknown[]; findings: { item_id: string; note: string | null }[] }>(desk, `/api/v1/inspections/${x.id}`)
    expect(detail.body.photos).toHaveLength(1)
    expect(detail.body.findings.find((f) => f.item_id === 'cold')?.note).toBe(note)
    await clearToasts(page)
    await shot(page, 'inspect-task-result-phone')
    // Another load sends nothing again; the task is 已完成.
    await page.goto('/inspection-tasks')
    await page.waitForTimeout(500)
    expect(await inspectionsOfPlan(desk)).toHaveLength(1)
    const t = await apiGet<TaskLite>(desk, `/api/v1/inspection-tasks/${taskId}`)
    expect(t.body.status).toBe('done')
    await desk.context().close()
    await page.context().close()
  })

  it('the hospital and the department see nothing of the unpublished visit', async () => {
    expect(inspectionId).not.toBe('')
    for (const user of ['hosp1', 'dept'])
      await expectHiddenFrom(browser, user, {
        id: inspectionId,
        list: '/api/v1/inspections?limit=500',
        api: `/api/v1/inspections/${inspectionId}`,
        page: `/inspections/${inspectionId}`,
        missing: 'insp-missing',
        text: note,
      })
  })

  it('the inspector publishes it and confirms the finding into the 整改台账', async () => {
    const page = await newPage(browser)
    await login(page, 'inspector')
    await page.goto('/inspections')
    await byTestId(page, 'insp-table').waitFor()
    await shot(page, 'inspect-inspections-desktop')
    await page.goto(`/inspections/${inspectionId}`)
    await poll(() => byTestId(page, 'insp-published').innerText()).toBe('未发布')
    await poll(() => page.locator('[data-testid="insp-photos"] img').count()).toBe(1)
    expect(await byTestId(page, 'finding-cold').innerText()).toContain(note)
    await byTestId(page, 'insp-publish').click()
    await answerMessageBox(page, true)
    await poll(() => byTestId(page, 'insp-published').innerText()).toBe('已发布')
    // Every deduction is ticked by default; shown on the public page.
    expect(await byTestId(page, 'finding-cold').locator('.el-checkbox.is-checked').count()).toBe(1)
    await byTestId(page, 'insp-public').click()
    // A 医德 finding is no 隐患: the severity stays 不作为隐患; the inspector sets the deadline.
    expect(await byTestId(page, 'finding-severity-cold').innerText()).toContain('不作为隐患')
    const picker = inputOf(page, 'insp-deadline')
    await picker.click()
    await picker.fill(due)
    await picker.press('Enter')
    await page.keyboard.press('Escape')
    await byTestId(page, 'insp-confirm').click()
    await byTestId(page, 'finding-ledger-cold').waitFor()
    const href = await byTestId(page, 'finding-ledger-cold').getAttribute('href')
    itemId = href!.split('/').pop()!
    await clearToasts(page)
    await shot(page, 'inspect-inspection-desktop')
    await byTestId(page, 'insp-findings').scrollIntoViewIfNeeded()
    await shot(page, 'inspect-findings-desktop')
    await page.context().close()
  })

  it('the department head sees the published visit and its ledger item, adds measures and evidence and submits', async () => {
    expect(itemId).not.toBe('')
    const page = await newPhonePage(browser)
    await login(page, 'dept')
    await page.goto('/inspections')
    await byTestId(page, `insp-card-${inspectionId}`).waitFor()
    await byTestId(page, `insp-card-${inspectionId}`).click()
    await page.waitForURL((u) => u.pathname === `/inspections/${inspectionId}`)
    await poll(() => byTestId(page, 'insp-published').innerText()).toBe('已发布')
    expect(await page.locator('body').innerText()).not.toContain('陈督查') // the visitor stays unnamed
    await expectFits(page, 'inspection')
    await byTestId(page, 'insp-findings').scrollIntoViewIfNeeded()
    await shot(page, 'inspect-findings-dept-phone')
    await byTestId(page, 'finding-ledger-cold').click()
    await page.waitForURL((u) => u.pathname === `/rectifications/${itemId}`)
    await poll(() => statusText(page)).toBe('未开始')
    expect(await byTestId(page, 'rect-deadline').innerText()).toContain(due)
    await act(page, 'start')
    await poll(() => statusText(page)).toBe('整改中')
    await textareaOf(page, 'rect-edit-cause').fill('窗口人员服务意识不足')
    await textareaOf(page, 'rect-edit-measures').fill(measures)
    await inputOf(page, 'rect-edit-responsible').fill(`李护士长${stamp}`)
    await byTestId(page, 'rect-edit-save').click()
    await poll(() => page.locator('.el-message').last().innerText()).toContain('已保存')
    await byTestId(page, 'rect-evidence-input').setInputFiles({ name: `培训签到-${stamp}.png`, mimeType: 'image/png', buffer: pngBytes })
    await poll(() => page.locator('[data-testid="rect-evidence-image"]').count()).toBe(1)
    await act(page, 'submit', async () => {
      await textareaOf(page, 'rect-action-text').fill('已完成培训，附签到表')
    })
    await poll(() => statusText(page)).toBe('待验收')
    await clearToasts(page)
    await shot(page, 'inspect-ledger-submitted-phone')
    await page.context().close()
  })

  it('the inspector verifies it (销号) and the public page shows it as 已销号', async () => {
    const page = await newPage(browser)
    await login(page, 'inspector')
    await page.goto(`/rectifications/${itemId}`)
    await poll(() => statusText(page)).toBe('待验收')
    await act(page, 'verify', async () => {
      await textareaOf(page, 'rect-action-text').fill('复查窗口服务，态度已改善')
    })
    await poll(() => statusText(page)).toBe('已销号')
    const problem = (await apiGet<{ problem: string }>(page, `/api/v1/rectifications/${itemId}`)).body.problem
    expect(problem).toContain(note)
    await page.context().close()

    const pub = await newPhonePage(browser)
    await pub.goto('/g?unit=H001')
    const card = pub.locator('.item', { hasText: note })
    await card.waitFor()
    expect(await card.locator('.st').last().innerText()).toBe('已销号')
    await card.scrollIntoViewIfNeeded()
    await shot(pub, 'inspect-public-closed-phone')
    await pub.context().close()
  })

  it('every inspection page fits a phone without sideways scroll', async () => {
    const page = await newPhonePage(browser)
    await login(page, 'inspector')
    await page.goto('/inspection-plans')
    await byTestId(page, 'plan-cards').waitFor()
    await poll(() => page.locator('[data-testid="plan-cards"]').innerText()).toContain(planName)
    await expectFits(page, 'plans')
    await page.goto(`/inspection-coverage?plan=${planId}`)
    await poll(() => byTestId(page, 'cov-rate').innerText()).toBe('100%')
    expect(await byTestId(page, 'cov-met').innerText()).toBe('已达标')
    await expectFits(page, 'coverage')
    await page.goto('/inspections')
    await byTestId(page, `insp-card-${inspectionId}`).waitFor()
    await expectFits(page, 'inspections')
    await page.goto(`/inspections/${inspectionId}`)
    await byTestId(page, 'finding-ledger-cold').waitFor()
    await expectFits(page, 'inspection-inspector')
    await page.goto('/inspection-plans')
    await byTestId(page, 'plan-add').click()
    await byTestId(page, 'plan-dialog').waitFor()
    await page.waitForTimeout(400)
    const box = await page.locator('.el-dialog:visible').last().boundingBox()
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width)
    await expectFits(page, 'plan-dialog')
    await page.context().close()
  })
})
