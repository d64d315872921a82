// Case times and the public tracking page (issue 10, items 6, 12 and 13): a patient's complaint
// is received, transferred, answered and reopened by the patient's 不满意 — the tracking page
// keeps the original 提交时间, shows the reopening with its own deadline and speaks only in
// public words (no 已接收转办, no "。，"); the operator's hotline registration is already
// received (登记并受理, no 受理 button); and a 查询码 tried with wrong phone digits five times is
// locked with a Chinese message. Needs a running server with demo data (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import path from 'node:path'
import { BASE, byTestId, launch, login, newPage, poll, shot, SHOTS, uniqueStamp } from './helpers'

const stamp = uniqueStamp()
const last4 = String(1000 + (Date.now() % 9000))
const wrong4 = last4 === '0000' ? '1111' : '0000'

let browser: Browser
let phone: BrowserContext

async function openMobile(): Promise<Page> {
  const p = await phone.newPage()
  p.setDefaultTimeout(15_000)
  return p
}

/** POST with the page's session and CSRF token. */
async function apiPost<T = any>(page: Page, url: string, body: unknown): Promise<{ status: number; body: T }> {
  const me = await (await page.request.get('/api/v1/me')).json()
  const r = await page.request.post(url, { data: body, headers: { 'X-CSRF-Token': me.csrf_token } })
  return { status: r.status(), body: (await r.json().catch(() => undefined)) as T }
}

async function fileComplaint(page: Page, text: string): Promise<string> {
  const r = await page.request.post('/api/v1/public/cases', {
    data: { type: 'complaint', unit: 'H001', content: text, name: '王女士', phone: `1380000${last4}` },
  })
  expect(r.status()).toBe(201)
  return (await r.json()).tracking_code
}

function time(ms: number): string {
  const d = new Date(ms + 8 * 3600000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`
}

async function track(p: Page, code: string, digits: string): Promise<void> {
  await p.goto(`/t?code=${code}`)
  await p.locator('#last4').fill(digits)
  await p.locator('#go').click()
}

beforeAll(async () => {
  browser = await launch()
  phone = await browser.newContext({
    baseURL: BASE,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
})
afterAll(async () => {
  await phone?.close()
  await browser?.close()
})

describe('case times on the tracking page', () => {
  it('a reopening keeps the 提交时间 and the timeline speaks public words', async () => {
    const staff = await newPage(browser)
    await login(staff, 'hosp1')
    const code = await fileComplaint(staff, `门诊收费处多收了挂号费，请核实（${stamp}）`)
    const found = (await (await staff.request.get(`/api/v1/cases?code=${code}`)).json()).items[0]
    const receivedAt: number = found.received_at
    // Received, sent to 内科 (转办), taken over there, answered.
    expect((await apiPost(staff, `/api/v1/cases/${found.id}/accept`, {})).status).toBe(200)
    const nk = (await (await staff.request.get('/api/v1/org/search?q=' + encodeURIComponent('内科'))).json()).items.find(
      (n: { code: string }) => n.code === 'H001-NK',
    )
    expect((await apiPost(staff, `/api/v1/cases/${found.id}/transfer`, { to_node_id: nk.id, note: '请内科核实。' })).status).toBe(200)
    const dept = await newPage(browser)
    await login(dept, 'dept')
    expect((await apiPost(dept, `/api/v1/cases/${found.id}/transfer/accept`, {})).status).toBe(200)
    expect((await apiPost(dept, `/api/v1/cases/${found.id}/reply`, { reply: '经核实，已退还多收的费用。', outcome: 'substantiated' })).status).toBe(200)

    // The patient is not satisfied, with a comment that ends in a full stop.
    const p = await openMobile()
    await track(p, code, last4)
    await poll(() => p.locator('#status').innerText()).toBe('已答复')
    await poll(() => p.locator('#rows').innerText()).toContain(time(receivedAt))
    await p.locator('#rate button[data-r="unsatisfied"]').click()
    await p.locator('#comment').fill('还要一个道歉。')
    await p.locator('#send').click()
    await p.locator('#rated').waitFor()
    await poll(() => p.locator('#status').innerText()).toBe('办理中')

    // The receipt time did not move; the reopening has its own deadline.
    const after = (await (await staff.request.get(`/api/v1/cases/${found.id}`)).json())
    expect(after.received_at).toBe(receivedAt)
    expect(after.reopened_at).toBeGreaterThan(receivedAt)
    const pub = await (await p.request.get(`/api/v1/public/cases/${code}?phone_last4=${last4}`)).json()
    expect(pub.received_at).toBe(receivedAt)
    const rows = await p.locator('#rows').innerText()
    expect(rows).toContain(`提交时间`)
    expect(rows).toContain(time(receivedAt))
    expect(rows).toContain(time(after.deadline_at))
    const timeline = await p.locator('#events').innerText()
    expect(timeline).toContain('重新办理，答复期限 ' + time(after.deadline_at).slice(0, 10))
    expect(timeline).toContain('已交由承办部门办理')
    expect(timeline).toContain('您的评价：不满意')
    for (const internal of ['已接收转办', '接收转办', '转办', '请内科核实', '回访：', '群众评价']) expect(timeline).not.toContain(internal)
    for (const doubled of ['。，', '，。', '。。', '：。']) expect(timeline).not.toContain(doubled)
    await p.screenshot({ path: path.join(SHOTS, 'case-times-01-track-reopened.png'), fullPage: true })

    // The console shows both times.
    await staff.goto(`/cases/${found.id}`)
    await poll(() => byTestId(staff, 'case-reopened-at').innerText()).toContain(time(after.reopened_at))
    await shot(staff, 'case-times-02-console-reopened')
    await p.close()
    await dept.context().close()
    await staff.context().close()
  })

  it("an operator's hotline registration is already received", async () => {
    const page = await newPage(browser)
    await login(page, 'handler')
    const nodes = (await (await page.request.get('/api/v1/org/search?q=' + encodeURIComponent('收费处'))).json()).items
    const sfc = nodes.find((n: { code: string }) => n.code === 'H001-SFC')
    const made = await apiPost(page, '/api/v1/cases', {
      type: 'complaint',
      channel: 'hotline',
      node_id: sfc.id,
      content: `来电反映收费处态度不好（${stamp}）`,
      complainant_phone: `1390000${last4}`,
    })
    expect(made.status).toBe(201)
    expect(made.body.status).toBe('processing')
    await page.goto(`/cases/${made.body.id}`)
    await poll(() => byTestId(page, 'case-status').innerText()).toBe('办理中')
    await poll(() => byTestId(page, 'case-timeline').innerText()).toContain('登记并受理')
    expect(await byTestId(page, 'case-action-accept').count()).toBe(0)
    await byTestId(page, 'case-action-reply').waitFor()
    await shot(page, 'case-times-03-hotline-received')
    // The caller sees the same on the tracking page.
    const p = await openMobile()
    await track(p, made.body.tracking_code, last4)
    await poll(() => p.locator('#status').innerText()).toBe('办理中')
    await poll(() => p.locator('#events').innerText()).toContain('登记并受理')
    await p.close()
    await page.context().close()
  })

  it('a 查询码 tried with wrong phone digits five times is locked, with a Chinese message', async () => {
    const staff = await newPage(browser)
    const code = await fileComplaint(staff, `想查询处理进度（${stamp}）`)
    const p = await openMobile()
    for (let i = 0; i < 5; i++) {
      await track(p, code, wrong4)
      await poll(() => p.locator('#msg').innerText()).toContain('没有查到')
    }
    // Now even the right digits wait; the page says why and for how long.
    await track(p, code, last4)
    await poll(() => p.locator('#msg').innerText()).toContain('多次输入错误')
    expect(await p.locator('#msg').innerText()).toContain('60 分钟后')
    expect(await p.locator('#result').isVisible()).toBe(false)
    await p.screenshot({ path: path.join(SHOTS, 'case-times-04-track-locked.png'), fullPage: true })
    const r = await p.request.get(`/api/v1/public/cases/${code}?phone_last4=${last4}`)
    expect(r.status()).toBe(429)
    expect(Number(r.headers()['retry-after'])).toBeGreaterThan(3000)
    expect((await r.json()).error.code).toBe('track_locked')
    await p.close()
    await staff.context().close()
  })
})
