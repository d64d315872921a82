// Complaints scenario (issue 3): a patient files a complaint on the public form at a phone
// viewport and gets a 查询码; the hotline operator registers another by hotline entry; the
// complaint is transferred to 内科, whose head accepts and replies; the patient checks the
// status on /t with the code and the last 4 phone digits and answers 不满意; the case is
// reopened, handled again, called back and closed; the bureau sees it in the statistics; and
// another hospital can see the case neither in its list nor by its URL. The patient attaches a
// photo (a small PNG) on the form; the department head sees it under 附件 and adds a PDF.
// Needs a running server with demo data (see foundation.spec.ts). Every run creates new cases,
// so it can be repeated on the same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { apiGet, BASE, byTestId, inputOf, launch, login, newPage, pickNode, poll, shanghaiDay, shot, SHOTS, type NodeInfo, uniqueStamp } from './helpers'
import path from 'node:path'
import fs from 'node:fs'

const stamp = uniqueStamp()
const last4 = String(1000 + (Date.now() % 9000))
const patientPhone = `139${String(Date.now()).slice(-4)}${last4}`
const complaintText = `内科门诊医生态度生硬，问了两句就不耐烦，候诊也等了很久（${stamp}）`
const hotlineText = `来电反映收费处多收了检查费，要求退还（${stamp}）`
// A real 1×1 PNG (the server checks the bytes, not the name) and a minimal PDF.
const pngBytes = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)
const photoName = `候诊区-${stamp}.png`
const pdfBytes = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')


let browser: Browser
let phone: BrowserContext // the patient's phone
let code = '' // the patient's 查询码
let caseId = ''
let hotlineCode = ''

interface CaseRowLite {
  id: string
  tracking_code: string
  status: string
}

async function openMobile(): Promise<Page> {
  const p = await phone.newPage()
  p.setDefaultTimeout(15_000)
  return p
}

async function findCase(page: Page, trackingCode: string): Promise<CaseRowLite | undefined> {
  const r = await apiGet<{ items: CaseRowLite[] }>(page, `/api/v1/cases?code=${encodeURIComponent(trackingCode)}`)
  expect(r.status).toBe(200)
  return r.body.items.find((c) => c.tracking_code === trackingCode)
}

/** Open a case from the inbox by its tracking code. */
async function openFromInbox(page: Page, trackingCode: string): Promise<void> {
  await page.goto('/cases')
  await inputOf(page, 'cases-filter-q').fill(trackingCode)
  await byTestId(page, 'cases-search').click()
  const link = byTestId(page, `case-link-${trackingCode}`)
  await link.waitFor()
  await link.click()
  await page.waitForURL((u) => /\/cases\/\d+$/.test(u.pathname))
  await poll(() => byTestId(page, 'case-code').innerText()).toBe(trackingCode)
}

async function statusText(page: Page): Promise<string> {
  return (await byTestId(page, 'case-status').innerText()).trim()
}

/** Click an action button, fill the dialog with `fill`, submit, wait for the dialog to close. */
async function act(page: Page, action: string, fill: () => Promise<void> = async () => undefined): Promise<void> {
  await byTestId(page, `case-action-${action}`).click()
  const dialog = page.locator('.el-dialog:visible').last()
  await dialog.waitFor()
  await fill()
  await byTestId(page, 'case-action-submit').click()
  try {
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 })
  } catch (e) {
    await shot(page, `failed-case-${action}`)
    const msg = await page.locator('.el-message').allInnerTexts()
    throw new Error(`action ${action} failed; messages: ${JSON.stringify(msg)}; ${(e as Error).message}`)
  }
}

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one (see foundation.spec.ts) or set MANYI_URL`)
  }
  browser = await launch()
  phone = await browser.newContext({
    baseURL: BASE,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40 NetType/WIFI Language/zh_CN',
  })
})
afterAll(async () => {
  await phone?.close()
  await browser?.close()
})

describe('complaints and cases', () => {
  it('a patient files a complaint on the phone and gets a 查询码', async () => {
    const p = await openMobile()
    await p.goto('/c?unit=H001&point=H001-NK')
    await poll(() => p.title()).toContain('投诉')
    // The unit and department come from the link.
    await poll(() => p.locator('#unit-fixed').innerText()).toContain('市第一人民医院')
    await p.locator('#dept option:checked').waitFor({ state: 'attached' })
    await poll(() => p.locator('#dept option:checked').innerText()).toBe('内科')
    // Nothing filled in: the form says what is missing and sends nothing.
    await p.locator('#submit').click()
    await poll(() => p.locator('#msg').innerText()).toContain('请按提示补充')
    expect(await p.locator('#f-phone .err').isVisible()).toBe(true)
    await p.locator('#types button[data-code="complaint"]').click()
    await p.locator('#content').fill(complaintText)
    await p.locator('#name').fill('王女士')
    await p.locator('#phone').fill('12345')
    await p.locator('#submit').click()
    expect(await p.locator('#f-phone .err').isVisible()).toBe(true)
    await p.locator('#phone').fill(patientPhone)
    // A photo goes with it; the limits are spelled out next to the picker.
    expect(await p.locator('#f-attach').isVisible()).toBe(true)
    await poll(() => p.locator('#file-limits').innerText()).toBe('最多5个文件，每个不超过10MB，支持图片和PDF')
    await p.locator('#files').setInputFiles({ name: photoName, mimeType: 'image/png', buffer: pngBytes })
    await poll(() => p.locator('#file-list').innerText()).toContain(photoName)
    await p.screenshot({ path: path.join(SHOTS, 'cases-01-public-form.png'), fullPage: true })
    await p.locator('#submit').click()
    await p.locator('#done').waitFor()
    expect(await p.locator('#upload-err').isVisible()).toBe(false)
    code = (await p.locator('#code').innerText()).trim()
    expect(code).toMatch(/^[A-Z0-9]{6,20}$/)
    await p.locator('#copy').click()
    await poll(() => p.locator('#copied').innerText()).toMatch(/复制/)
    expect(await p.locator('#track').getAttribute('href')).toBe(`/t?code=${code}`)
    await p.screenshot({ path: path.join(SHOTS, 'cases-02-public-code.png'), fullPage: true })
    await p.close()
  })

  it('the hotline operator registers a call in the quick entry form', async () => {
    const page = await newPage(browser)
    await login(page, 'handler')
    await page.goto('/case-entry')
    // Keyboard first: the caller's name has the focus.
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid'))).toBe('entry-name')
    await page.keyboard.type('李先生')
    await page.keyboard.press('Tab')
    await page.keyboard.type('0571-8888123')
    await page.locator('[data-testid="entry-content"] textarea, textarea[data-testid="entry-content"]').first().fill(hotlineText)
    // The category is suggested from the text (收费).
    await byTestId(page, 'entry-suggestion').waitFor()
    await poll(() => byTestId(page, 'entry-suggestion').innerText()).toContain('收费')
    // The unit: search and choose a department.
    await byTestId(page, 'entry-unit').click()
    await page.keyboard.type('收费处')
    await page.locator('.el-select-dropdown__item:visible', { hasText: '（科室 H001-SFC）' }).first().click()
    await poll(() => byTestId(page, 'entry-unit').innerText()).toContain('收费处')
    expect(await inputOf(page, 'entry-phone').inputValue()).toBe('0571-8888123')
    await shot(page, 'cases-03-hotline-entry')
    // Enter in the summary submits.
    await page.locator('[data-testid="entry-content"] textarea, textarea[data-testid="entry-content"]').first().press('Enter')
    try {
      await byTestId(page, 'entry-done').waitFor()
    } catch (e) {
      await shot(page, 'failed-hotline-entry')
      throw new Error(`not registered; messages: ${JSON.stringify(await page.locator('.el-message, .el-form-item__error').allInnerTexts())}; ${(e as Error).message}`)
    }
    hotlineCode = (await byTestId(page, 'entry-code').innerText()).trim()
    expect(hotlineCode).toMatch(/^[A-Z0-9]{6,20}$/)
    await shot(page, 'cases-04-hotline-code')
    const c = await findCase(page, hotlineCode)
    expect(c, 'the registered case is in the list').toBeTruthy()
    const detail = await apiGet<{ channel: string; category: string; node: { name: string } }>(page, `/api/v1/cases/${c!.id}`)
    expect(detail.body.channel).toBe('hotline')
    expect(detail.body.category).toBe('charges_over')
    expect(detail.body.node.name).toBe('收费处')
    // "登记下一条" clears the form and puts the cursor back on the name.
    await byTestId(page, 'entry-next').click()
    await byTestId(page, 'entry-form').waitFor()
    expect(await inputOf(page, 'entry-name').inputValue()).toBe('')

    // The patient's complaint: the operator sends it to 内科 (转办).
    await openFromInbox(page, code)
    caseId = new URL(page.url()).pathname.split('/').pop()!
    expect(await statusText(page)).toBe('待受理')
    await poll(() => byTestId(page, 'case-phone').innerText()).toContain('****')
    const nk = await apiGet<{ items: NodeInfo[] }>(page, '/api/v1/org/search?q=' + encodeURIComponent('内科'))
    const dept = nk.body.items.find((n) => n.code === 'H001-NK')!
    const full = await apiGet<NodeInfo>(page, `/api/v1/org/nodes/${dept.id}`)
    await act(page, 'transfer', async () => {
      await pickNode(page, 'case-form-node', (full.body.path ?? []).filter((x) => x.id !== dept.id).map((x) => x.name), '内科')
      await page.locator('[data-testid="case-form-note"] textarea, textarea[data-testid="case-form-note"]').first().fill('请内科核实处理')
    })
    await byTestId(page, 'case-transfer-pending').waitFor()
    await shot(page, 'cases-05-transferred')
    await page.context().close()
  })

  it('the department head accepts the transfer and replies', async () => {
    const page = await newPage(browser)
    await login(page, 'dept')
    await openFromInbox(page, code)
    // Only what the backend allows: no reply before the transfer is accepted.
    expect(await byTestId(page, 'case-action-reply').count()).toBe(0)
    await act(page, 'transfer_accept')
    await poll(() => statusText(page)).toBe('办理中')
    await act(page, 'reply', async () => {
      await page.locator('textarea[data-testid="case-form-reply"], [data-testid="case-form-reply"] textarea').first().fill('经核实，接诊医生沟通方式生硬，已对其批评教育，并调整门诊排班缩短候诊。')
      await byTestId(page, 'case-outcome-substantiated').click()
      await page.locator('textarea[data-testid="case-form-measures"], [data-testid="case-form-measures"] textarea').first().fill('科室内通报，开展医患沟通培训')
    })
    await poll(() => statusText(page)).toBe('已答复')
    await poll(() => byTestId(page, 'case-reply').innerText()).toContain('批评教育')
    await poll(() => byTestId(page, 'case-timeline').innerText()).toContain('接收转办')
    // 附件: the patient's photo is there, from 群众, and downloads as the same bytes.
    const files = byTestId(page, 'case-attachments')
    await poll(() => files.innerText()).toContain(photoName)
    await poll(() => files.innerText()).toContain('群众')
    const href = await byTestId(page, 'case-attachment-name').getAttribute('href')
    const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u!)).arrayBuffer())), href)
    expect(Buffer.from(bytes).equals(pngBytes)).toBe(true)
    // The head adds the department's written statement; the timeline records it.
    await byTestId(page, 'case-attachment-input').setInputFiles({ name: '情况说明.pdf', mimeType: 'application/pdf', buffer: pdfBytes })
    await poll(() => files.innerText()).toContain('情况说明.pdf')
    await poll(() => byTestId(page, 'case-timeline').innerText()).toContain('上传附件')
    // A text file dressed up as a photo is refused with a Chinese message.
    await byTestId(page, 'case-attachment-input').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo') })
    await poll(() => page.locator('.el-message').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('只能上传图片')]))
    expect(await files.innerText()).not.toContain('photo.jpg')
    await shot(page, 'cases-06b-attachments')
    await shot(page, 'cases-06-replied')
    await page.context().close()
  })

  it('the tracking page shows nothing for a wrong code and phone digits combination', async () => {
    const p = await openMobile()
    await p.goto('/t')
    await p.locator('#code').fill(code)
    await p.locator('#last4').fill(last4 === '0000' ? '1111' : '0000')
    await p.locator('#go').click()
    await poll(() => p.locator('#msg').innerText()).toContain('没有查到')
    expect(await p.locator('#result').isVisible()).toBe(false)
    // The API answers 404 for a wrong combination, the same as for an unknown code.
    expect((await p.request.get(`/api/v1/public/cases/${code}?phone_last4=${last4 === '0000' ? '1111' : '0000'}`)).status()).toBe(404)
    expect((await p.request.get(`/api/v1/public/cases/${code}`)).status()).toBe(404)
    expect((await p.request.get(`/api/v1/public/cases/ZZZZZZZZZZ?phone_last4=${last4}`)).status()).toBe(404)
    await p.close()
  })

  it('the patient checks the status with the code and answers 不满意', async () => {
    const p = await openMobile()
    // The code and the right digits: status, dates and the reply.
    await p.goto(`/t?code=${code}`)
    await p.locator('#last4').fill(last4)
    await p.locator('#go').click()
    await p.locator('#result').waitFor()
    await poll(() => p.locator('#status').innerText()).toBe('已答复')
    await poll(() => p.locator('#reply').innerText()).toContain('批评教育')
    await p.screenshot({ path: path.join(SHOTS, 'cases-07-track-replied.png'), fullPage: true })
    await p.locator('#rate button[data-r="unsatisfied"]').click()
    await p.locator('#comment').fill('只是批评教育不够，希望医院给个说法')
    await p.locator('#send').click()
    await p.locator('#rated').waitFor()
    await poll(() => p.locator('#status').innerText()).toBe('办理中')
    await poll(() => p.locator('#rated-text').innerText()).toContain('重新办理')
    await p.screenshot({ path: path.join(SHOTS, 'cases-08-track-reopened.png'), fullPage: true })
    await p.close()
  })

  it('the case is reopened, handled again, called back and closed', async () => {
    const page = await newPage(browser)
    await login(page, 'dept')
    await page.goto(`/cases/${caseId}`)
    await poll(() => statusText(page)).toBe('办理中')
    await poll(() => byTestId(page, 'case-reopened').innerText()).toContain('1')
    await act(page, 'reply', async () => {
      await page.locator('textarea[data-testid="case-form-reply"], [data-testid="case-form-reply"] textarea').first().fill('科室已当面向您致歉，涉事医生已调离门诊岗位一个月。')
      await byTestId(page, 'case-outcome-substantiated').click()
    })
    await poll(() => statusText(page)).toBe('已答复')
    await act(page, 'callback', async () => {
      await byTestId(page, 'case-result-satisfied').click()
      await page.locator('textarea[data-testid="case-form-note"], [data-testid="case-form-note"] textarea').first().fill('电话回访，患者表示满意')
    })
    await poll(() => statusText(page)).toBe('已办结')
    await poll(() => byTestId(page, 'case-callback').innerText()).toBe('满意')
    expect(await byTestId(page, 'case-actions').innerText()).not.toContain('答复')
    await page.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0))
    await shot(page, 'cases-09-closed')
    await page.context().close()
  })

  it('the bureau sees the case in the statistics', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    const api = await apiGet<{ total: number; callbacks: number; unsatisfied: number; satisfied: number }>(page, '/api/v1/cases/stats')
    expect(api.status).toBe(200)
    expect(api.body.callbacks).toBeGreaterThanOrEqual(1)
    expect(api.body.satisfied).toBeGreaterThanOrEqual(1)
    // The page counts this year's cases by default (the demo's cases span two years): its total
    // is this year's, which holds the case just closed.
    const today = shanghaiDay()
    const ytd = await apiGet<{ total: number }>(page, `/api/v1/case-reports/stats?from=${today.slice(0, 4)}-01-01&to=${today}`)
    expect(ytd.body.total).toBeGreaterThanOrEqual(1)
    expect(ytd.body.total).toBeLessThanOrEqual(api.body.total)
    await page.goto('/case-stats')
    await byTestId(page, 'stats-cards').waitFor()
    await poll(async () => Number((await byTestId(page, 'stats-total').innerText()).trim())).toBeGreaterThanOrEqual(ytd.body.total)
    await poll(() => byTestId(page, 'stats-satisfaction').innerText()).toMatch(/%/)
    await byTestId(page, 'chart-callback').waitFor()
    await page.waitForTimeout(800) // chart animation
    await shot(page, 'cases-10-stats')
    // The figures and the case list export to Excel.
    const [statsFile] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'stats-export').click()])
    expect(statsFile.suggestedFilename()).toMatch(/\.xlsx$/)
    expect(fs.readFileSync((await statsFile.path())!).subarray(0, 2).toString()).toBe('PK')
    // And in the inbox: the bureau finds the closed case by its code and exports the list.
    const c = await findCase(page, code)
    expect(c?.status).toBe('closed')
    await page.goto('/cases')
    await byTestId(page, 'cases-count-unit').waitFor()
    await inputOf(page, 'cases-filter-q').fill(code)
    await byTestId(page, 'cases-search').click()
    await poll(() => page.locator('[data-testid="cases-table"] .el-table__body tr').count()).toBe(1)
    await poll(() => byTestId(page, `case-status-${code}`).innerText()).toBe('已办结')
    const [list] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'cases-export').click()])
    const bytes = fs.readFileSync((await list.path())!)
    expect(bytes.subarray(0, 2).toString()).toBe('PK')
    await shot(page, 'cases-10b-inbox-bureau')
    await page.context().close()
  })

  it('the bureau keeps the working calendar and the category rules', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/case-calendar')
    await byTestId(page, 'cal-months').waitFor()
    // The shipped 2026 schedule: the Spring Festival and its make-up Saturday.
    while (Number(await byTestId(page, 'cal-year').innerText()) !== 2026) {
      await byTestId(page, Number(await byTestId(page, 'cal-year').innerText()) > 2026 ? 'cal-prev' : 'cal-next').click()
    }
    await poll(() => byTestId(page, 'cal-day-2026-02-16').getAttribute('data-kind')).toBe('holiday')
    expect(await byTestId(page, 'cal-day-2026-02-14').getAttribute('data-kind')).toBe('makeup')
    expect(await byTestId(page, 'cal-day-2026-02-21').getAttribute('data-kind')).toBe('holiday')
    await shot(page, 'cases-12-calendar')
    // Make a day off in 2027, save, check, and put it back.
    await byTestId(page, 'cal-next').click()
    await poll(() => byTestId(page, 'cal-year').innerText()).toBe('2027')
    const day = byTestId(page, 'cal-day-2027-03-10')
    await poll(() => day.getAttribute('data-kind')).toBe('work')
    await day.click()
    await page.locator('.el-message-box input').fill('临时休息日')
    await page.locator('.el-message-box .el-button--primary').click()
    await poll(() => day.getAttribute('data-kind')).toBe('holiday')
    await byTestId(page, 'cal-save').click()
    await poll(async () => (await apiGet<{ days: { date: string; workday: boolean }[] }>(page, '/api/v1/calendar?year=2027')).body.days.find((d) => d.date === '2027-03-10')?.workday).toBe(false)
    await day.click()
    await byTestId(page, 'cal-save').click()
    await poll(async () => (await apiGet<{ days: { date: string }[] }>(page, '/api/v1/calendar?year=2027')).body.days.some((d) => d.date === '2027-03-10')).toBe(false)
    expect(await day.getAttribute('data-kind')).toBe('work')

    // Categories and time limits; the keyword rules suggest a category for a text.
    await page.goto('/case-settings')
    await byTestId(page, 'cat-table').waitFor()
    await poll(() => byTestId(page, 'cat-table').innerText()).toContain('红包')
    await page.locator('textarea[data-testid="cat-trial"], [data-testid="cat-trial"] textarea').first().fill('医生暗示要红包才给安排手术')
    await poll(() => byTestId(page, 'cat-trial-result').innerText()).toContain('医德医风')
    await shot(page, 'cases-13-categories')
    await page.locator('.el-tabs__item', { hasText: '办理时限' }).click()
    await byTestId(page, 'sla-table').waitFor()
    await poll(() => byTestId(page, 'sla-table').innerText()).toContain('差评')
    await shot(page, 'cases-14-limits')
    await page.context().close()
  })

  it('another hospital sees the case neither in its list nor by its URL', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp2')
    expect(await findCase(page, code)).toBeUndefined()
    expect((await apiGet(page, `/api/v1/cases/${caseId}`)).status).toBe(404)
    await page.goto('/cases')
    await inputOf(page, 'cases-filter-q').fill(code)
    await byTestId(page, 'cases-search').click()
    await page.waitForTimeout(800)
    expect(await byTestId(page, `case-link-${code}`).count()).toBe(0)
    await page.goto(`/cases/${caseId}`)
    await byTestId(page, 'case-missing').waitFor()
    expect(await byTestId(page, 'case-actions').count()).toBe(0)
    // The error is shown in Chinese.
    await poll(() => page.locator('.el-message').allInnerTexts()).toContainEqual(expect.stringContaining('不存在'))
    await shot(page, 'cases-11-hosp2-denied')
    await page.context().close()
  })
})
