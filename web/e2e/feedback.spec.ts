// Satisfaction (满意度) scenario: a patient scans a poster of 市第一人民医院 on a phone and
// rates 非常不满意 with a comment; the hospital's admin sees it in the comments list, the
// dashboard's figures move by exactly that rating, and the bad-review case (差评) is in the
// hospital's case inbox. Then the console pages: staff-device marking and the suspect-review
// queue, collection points and posters, survey templates, follow-up import and call, and
// console rating entry. Needs a running server with demo data (see foundation.spec.ts).
// Every run uses a fresh random device id and unique names, so it can repeat on one database.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { answerMessageBox, apiGet, apiPost, BASE, byTestId, inputOf, launch, login, newPage, newPhonePage, pickNode, pickOption, poll, shot, submitDialog, uniqueStamp } from './helpers'

interface Figure {
  n: number
  satisfied: number
  rate: number
}
interface DashboardBody {
  node: { id: string; name: string }
  overall: Figure & { target: number }
  ranking: { items: { node_id: string; name: string; ranked: boolean; n: number }[] }
}
interface PointBody {
  id: string
  code: string
  name: string
  node_id: string
  node_name: string
  unit_name: string
  url: string
  active: boolean
  template_name: string
}

const stamp = uniqueStamp() + randomBytes(2).toString('hex')
const COMMENT = `候诊两个小时没人管，护士态度很差 <script>alert(1)</script> e2e-${stamp}`
const DEVICE_KEY = 'manyi_device' // the public page's key (web/h5/index.html)
let browser: Browser
let admin: Page // hosp1 in the console
let point: PointBody
let before: DashboardBody

/** Let the charts finish their animation, scroll to the top, then take the screenshot. */
async function chartShot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(1200)
  await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
  await shot(page, name)
}

/** Click an export button and check that an .xlsx workbook arrives. */
async function expectXlsx(page: Page, buttonId: string): Promise<void> {
  const [dl] = await Promise.all([page.waitForEvent('download'), byTestId(page, buttonId).click()])
  expect(dl.suggestedFilename()).toMatch(/\.xlsx$/)
  const file = await dl.path()
  const head = fs.readFileSync(file).subarray(0, 2).toString('latin1')
  expect(head).toBe('PK')
}

/** The native <textarea> of an Element Plus textarea carrying data-testid. */
const textareaOf = (page: Page, id: string) => page.locator(`textarea[data-testid="${id}"], [data-testid="${id}"] textarea`).first()

const pct = (r: number) => `${(r * 100).toFixed(1)}%`

/** A phone (390×844, touch) with its own storage and a fresh device id. */
async function phone(deviceId: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    baseURL: BASE,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN',
  })
  await ctx.addInitScript(
    ([key, id]) => {
      try {
        if (!localStorage.getItem(key)) localStorage.setItem(key, id)
      } catch {
        /* no storage */
      }
    },
    [DEVICE_KEY, deviceId] as const,
  )
  const page = await ctx.newPage()
  page.setDefaultTimeout(15_000)
  return { ctx, page }
}

const LEVEL: Record<string, number> = { 非常不满意: 1, 不满意: 2, 基本满意: 3, 满意: 4, 非常满意: 5 }

/** Rate a point on the public mobile page /f/<code>: tap a level, write a comment, submit. */
async function rateOnPhone(page: Page, code: string, level: string, comment: string, shotName?: string): Promise<void> {
  await page.goto(`/f/${code}`)
  const button = page.locator(`button[data-l="${LEVEL[level]}"]`)
  await button.waitFor()
  await poll(() => button.innerText()).toContain(level)
  if (shotName) await shot(page, `${shotName}-a-open`)
  // A person reads before tapping: stay above the "too fast" threshold.
  await page.waitForTimeout(2500)
  await button.click()
  const box = page.locator('textarea#cm')
  await box.waitFor()
  await box.fill(comment)
  await page.waitForTimeout(comment.length * 40 + 500)
  if (shotName) await shot(page, `${shotName}-b-filled`)
  await page.locator('button#go').click()
  await page.getByText('感谢您的评价').first().waitFor()
  if (shotName) await shot(page, `${shotName}-c-thanks`)
}

async function dashboard(page: Page): Promise<DashboardBody> {
  const r = await apiGet<DashboardBody>(page, '/api/v1/satisfaction/dashboard')
  expect(r.status).toBe(200)
  return r.body
}

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one (see foundation.spec.ts) or set MANYI_URL`)
  }
  browser = await launch()
  admin = await newPage(browser)
  await login(admin, 'hosp1')
  // A collection point of 市第一人民医院, from the API as its admin.
  const pts = await apiGet<{ items: PointBody[] }>(admin, '/api/v1/points?limit=50')
  expect(pts.status).toBe(200)
  const found =
    pts.body.items.find((p) => p.active && p.unit_name === '市第一人民医院' && p.node_name !== p.unit_name && /门诊/.test(p.template_name)) ??
    pts.body.items.find((p) => p.active && p.unit_name === '市第一人民医院')
  expect(found, 'an active point of 市第一人民医院').toBeTruthy()
  point = found!
  before = await dashboard(admin)
})

afterAll(async () => {
  await browser?.close()
})

describe('satisfaction', () => {
  it('a patient rates 非常不满意 with a comment on the phone page and is thanked', async () => {
    const { ctx, page } = await phone(`e2e${stamp}${randomBytes(6).toString('hex')}`)
    await rateOnPhone(page, point.code, '非常不满意', COMMENT, '20-phone')
    await ctx.close()
  })

  it('the hospital admin sees the rating in the comments list, escaped as text', async () => {
    // the 满意度 menu group holds the pages a hospital admin may use
    const menuText = await byTestId(admin, 'side-menu').innerText()
    for (const label of ['满意度', '满意度看板', '评价留言', '可疑评价审核', '评价点与二维码', '问卷模板', '出院回访', '评价录入']) expect(menuText).toContain(label)
    await admin.goto('/sat-comments')
    await inputOf(admin, 'comments-q').fill(`e2e-${stamp}`)
    await byTestId(admin, 'comments-search').click()
    const row = byTestId(admin, 'comments-table').locator('.el-table__body tr', { hasText: `e2e-${stamp}` }).first()
    await row.waitFor()
    const text = await row.innerText()
    expect(text).toContain('非常不满意')
    expect(text).toContain('<script>alert(1)</script>') // shown as text, not run
    expect(text).toContain('扫码评价')
    expect(text).toContain('市第一人民医院')
    expect(await admin.locator('.comment-text script').count()).toBe(0)
    // the detail shows where it came from and the bad-review case
    await row.locator('[data-testid^="comment-detail-"]').click()
    const drawer = byTestId(admin, 'rating-detail')
    await poll(() => drawer.innerText()).toContain(point.name)
    await byTestId(admin, 'rating-case-link').waitFor()
    await shot(admin, '21-comments')
    await admin.keyboard.press('Escape')
    await byTestId(admin, 'comment-drawer').waitFor({ state: 'hidden' })
    // export to Excel: an .xlsx workbook (a zip: "PK")
    await expectXlsx(admin, 'comments-export')
  })

  it('the dashboard counts the rating: n one more, same satisfied', async () => {
    const after = await dashboard(admin)
    expect(after.overall.n).toBe(before.overall.n + 1)
    expect(after.overall.satisfied).toBe(before.overall.satisfied)
    await admin.goto('/satisfaction')
    await poll(() => byTestId(admin, 'kpi-n-value').innerText()).toBe((before.overall.n + 1).toLocaleString('zh-CN'))
    const expected = pct(before.overall.satisfied / (before.overall.n + 1))
    await poll(() => byTestId(admin, 'kpi-rate-value').innerText()).toBe(expected)
    await poll(() => byTestId(admin, 'dash-node-name').innerText()).toBe('市第一人民医院')
    await byTestId(admin, 'dash-trend').locator('canvas').first().waitFor()
    await byTestId(admin, 'dash-ranking').locator('.el-table__body tr').first().waitFor()
    await chartShot(admin, '22-dashboard-hosp1')
    await expectXlsx(admin, 'dash-export')
  })

  it('the bad review is a case in the hospital inbox', async () => {
    const list = await apiGet<{ items: { id: string }[] }>(admin, `/api/v1/ratings/comments?q=${encodeURIComponent(`e2e-${stamp}`)}`)
    expect(list.body.items).toHaveLength(1)
    // the case is opened right after the rating is stored
    const ratingUrl = `/api/v1/ratings/${list.body.items[0].id}`
    await poll(async () => (await apiGet<{ case_id: string | null }>(admin, ratingUrl)).body.case_id).toBeTruthy()
    const rating = await apiGet<{ case_id: string | null; unit_id: string }>(admin, ratingUrl)
    expect(rating.body.case_id, 'a bad-review case for the rating').toBeTruthy()
    const c = await apiGet<{ id: string; type: string; unit_id: string; tracking_code: string }>(admin, `/api/v1/cases/${rating.body.case_id}`)
    expect(c.status).toBe(200)
    expect(c.body.type).toBe('bad_review')
    expect(c.body.unit_id).toBe(rating.body.unit_id)
    expect(c.body.unit_id).toBe(before.node.id)
    // it is in the hospital's case list (the inbox's data) …
    const inbox = await apiGet<{ items: { id: string }[] }>(admin, '/api/v1/cases?type=bad_review&limit=200')
    expect(inbox.status).toBe(200)
    expect(inbox.body.items.map((x) => x.id)).toContain(c.body.id)
    // … and, when the cases pages are there, on the inbox page and its detail page
    if (await admin.locator('[data-testid="menu-cases"]').count()) {
      await admin.goto('/cases')
      const row = byTestId(admin, 'cases-table').locator('.el-table__body tr', { hasText: c.body.tracking_code }).first()
      await row.waitFor()
      await shot(admin, '23-case-inbox')
      await admin.goto(`/cases/${c.body.id}`)
      await poll(() => admin.locator('.el-main').innerText()).toContain(`e2e-${stamp}`)
      await shot(admin, '24-case-detail')
    }
  })

  it('marks the console browser as a staff device: its rating is held for review, then rejected with a reason', async () => {
    // Signing in sent this browser's device id (the public page's localStorage key) to the server.
    const device = await admin.evaluate((k) => localStorage.getItem(k), DEVICE_KEY)
    expect(device).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
    const countsBefore = (await apiGet<Record<string, number>>(admin, '/api/v1/ratings/reviews/counts')).body
    // The same browser now rates 非常满意 on the public page: held as suspect (工作人员设备).
    const other = await apiGet<{ items: PointBody[] }>(admin, '/api/v1/points?limit=50')
    const p2 = other.body.items.find((p) => p.active && p.id !== point.id && p.node_name !== p.unit_name) ?? point
    await rateOnPhone(admin, p2.code, '非常满意', `staff-${stamp}`)
    await admin.goto('/sat-reviews')
    const row = byTestId(admin, 'reviews-table').locator('.el-table__body tr', { hasText: `staff-${stamp}` }).first()
    await row.waitFor()
    await poll(() => row.innerText()).toContain('工作人员设备')
    await poll(() => byTestId(admin, 'reviews-count-pending').innerText()).toBe(String(countsBefore.pending + 1))
    await shot(admin, '25-review-queue')
    await row.locator('[data-testid^="review-reject-"]').click()
    await byTestId(admin, 'review-dialog').waitFor()
    await byTestId(admin, 'review-submit').click() // a reason is required
    await poll(() => byTestId(admin, 'review-dialog').innerText()).toContain('请填写审核说明')
    await textareaOf(admin, 'review-reason').fill('核实为本院工作人员设备提交，剔除')
    await shot(admin, '26-review-reject-dialog')
    await submitDialog(admin, 'review-submit', 'review-dialog')
    await poll(() => byTestId(admin, 'reviews-count-rejected').innerText()).toBe(String(countsBefore.rejected + 1))
    await byTestId(admin, 'reviews-tab-rejected').click()
    const done = byTestId(admin, 'reviews-table').locator('.el-table__body tr', { hasText: `staff-${stamp}` }).first()
    await done.waitFor()
    await poll(() => done.innerText()).toContain('核实为本院工作人员设备提交')
    // the comments list shows it as 已剔除
    const list = await apiGet<{ items: { status: string }[] }>(admin, `/api/v1/ratings/comments?q=${encodeURIComponent(`staff-${stamp}`)}`)
    expect(list.body.items.map((x) => x.status)).toEqual(['rejected'])
  })

  it('holds a Wi-Fi farm from its first rating and names the rule in Chinese in the review queue', async () => {
    // Six 非常满意 from one network (this machine) to one point within a minute, each from a fresh
    // device id and with a human completion time: the sixth fires the rule, the first five are held with it.
    const pts = await apiGet<{ items: PointBody[] }>(admin, '/api/v1/points?limit=50')
    const farmPoint = [...pts.body.items].reverse().find((p) => p.active && p.id !== point.id && p.node_name !== p.unit_name) ?? point
    for (let i = 0; i < 6; i++) {
      const r = await apiPost(admin, '/api/v1/public/ratings', {
        point: farmPoint.code,
        overall: 5,
        device: `farm-${stamp}-${i}-${randomBytes(4).toString('hex')}`,
        elapsed_ms: 9000,
        comment: `farm-${stamp}-${i}`,
      })
      expect(r.status).toBe(201)
    }
    await admin.goto('/sat-reviews')
    const first = byTestId(admin, 'reviews-table').locator('.el-table__body tr', { hasText: `farm-${stamp}-0` }).first()
    await first.waitFor()
    await poll(() => first.innerText()).toContain('同一网络集中评价同一评价点')
    expect(await first.innerText()).not.toContain('wifi_farm')
    const rules = admin.locator('.rules')
    await poll(() => rules.innerText()).toContain('同一手机号多处好评')
    expect(await rules.innerText()).not.toMatch(/wifi_farm|phone_reuse|dup_refusals/)
    await shot(admin, '25b-review-queue-wifi-farm')
  })

  it('decides a Wi-Fi farm as one episode: one card for the burst, rejected whole with one reason', async () => {
    // Seven 非常满意 from this machine's network to a point the other tests do not rate: the sixth
    // fires the rule, the five before it are held with it and the seventh joins the same burst.
    const pts = await apiGet<{ items: PointBody[] }>(admin, '/api/v1/points?limit=50')
    const eligible = pts.body.items.filter((p) => p.active && p.node_name !== p.unit_name)
    const taken = new Set([point.id, [...eligible].reverse().find((p) => p.id !== point.id)?.id])
    // A point of a department itself (a child of the hospital, a row of the integrity figure).
    const kids = await apiGet<{ items: { id: string }[] }>(admin, `/api/v1/org/nodes?parent=${before.node.id}`)
    const depts = new Set(kids.body.items.map((n) => n.id))
    const farmPoint = eligible.find((p) => !taken.has(p.id) && depts.has(p.node_id))
    expect(farmPoint, 'a third department point of 市第一人民医院').toBeTruthy()
    const ids: string[] = []
    for (let i = 0; i < 7; i++) {
      const r = await apiPost<{ id: string }>(admin, '/api/v1/public/ratings', {
        point: farmPoint!.code,
        overall: 5,
        device: `ep-${stamp}-${i}-${randomBytes(4).toString('hex')}`,
        elapsed_ms: 9000,
        comment: `ep-${stamp}-${i}`,
      })
      expect(r.status).toBe(201)
      ids.push(r.body.id)
    }
    // Every one of them names one episode.
    const queue = await apiGet<{ items: { rating_id: string; episode_id: string | null; episode_rule: string }[] }>(admin, '/api/v1/ratings/reviews?limit=500')
    const mine = queue.body.items.filter((x) => ids.includes(x.rating_id))
    expect(mine.length).toBe(7)
    const episode = mine[0].episode_id
    expect(episode).toBeTruthy()
    expect(new Set(mine.map((x) => x.episode_id))).toEqual(new Set([episode]))
    expect(mine[0].episode_rule).toBe('wifi_farm')
    // Another hospital's reviewer sees nothing of it and cannot decide it.
    const other = await newPage(browser)
    await login(other, 'hosp2')
    const theirs = await apiGet<{ items: { id: string }[] }>(other, '/api/v1/ratings/review-episodes?state=all&limit=500')
    expect(theirs.body.items.map((e) => e.id)).not.toContain(episode)
    expect((await apiPost(other, `/api/v1/ratings/review-episodes/${episode}/review`, { decision: 'accept', reason: '越权通过' })).status).toBe(404)
    await other.context().close()

    await admin.goto('/sat-reviews')
    const card = byTestId(admin, `episode-${episode}`)
    await card.waitFor()
    await poll(() => card.innerText()).toContain('同一网络集中评价同一评价点')
    expect(await card.innerText()).not.toContain('wifi_farm')
    await poll(() => card.innerText()).toContain(farmPoint!.name)
    await poll(() => card.innerText()).toContain('100%') // every one of them 非常满意
    await byTestId(admin, `episode-expand-${episode}`).click()
    const ratings = byTestId(admin, `episode-ratings-${episode}`)
    for (let i = 0; i < 7; i++) await poll(() => ratings.innerText()).toContain(`ep-${stamp}-${i}`)
    await card.scrollIntoViewIfNeeded()
    await shot(admin, '25c-review-episode-card')
    await byTestId(admin, `episode-reject-${episode}`).click()
    await byTestId(admin, 'episode-dialog').waitFor()
    await poll(() => byTestId(admin, 'episode-dialog-summary').innerText()).toContain(`待审核`)
    await byTestId(admin, 'episode-submit').click() // a reason is required
    await poll(() => byTestId(admin, 'episode-dialog').innerText()).toContain('请填写审核说明')
    await textareaOf(admin, 'episode-reason').fill('同一病区无线网络集中刷好评，整批驳回')
    await poll(() => byTestId(admin, 'episode-dialog').innerText()).not.toContain('请填写审核说明')
    await shot(admin, '25d-review-episode-reject-dialog')
    await submitDialog(admin, 'episode-submit', 'episode-dialog')
    // Gone from the pending episodes; each rating rejected with the one reason.
    await poll(async () => (await admin.locator(`[data-testid="episode-${episode}"]`).count())).toBe(0)
    for (const id of ids) {
      const r = await apiGet<{ status: string; review: { reason: string } }>(admin, `/api/v1/ratings/${id}`)
      expect(r.body.status).toBe('rejected')
      expect(r.body.review.reason).toBe('同一病区无线网络集中刷好评，整批驳回')
    }
    // Deciding it again changes nothing.
    expect((await apiPost(admin, `/api/v1/ratings/review-episodes/${episode}/review`, { decision: 'accept', reason: '再次通过' })).status).toBe(409)

    // The phone: the episode cards fit 390 px with nothing to scroll sideways.
    const phonePage = await newPhonePage(browser)
    await login(phonePage, 'hosp1')
    await phonePage.goto('/sat-reviews')
    await byTestId(phonePage, 'episodes-all').click() // include decided episodes: this one is there
    const phoneCard = byTestId(phonePage, `episode-${episode}`)
    await phoneCard.waitFor()
    await phoneCard.scrollIntoViewIfNeeded()
    expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await shot(phonePage, '25e-review-episode-phone')

    // The dashboard's integrity figure counts them against the department.
    const fig = await apiGet<{ groups: { items: { name: string; received: number; held: number; rejected: number; held_share: number }[] }[] }>(
      admin,
      '/api/v1/satisfaction/integrity',
    )
    expect(fig.status).toBe(200)
    const row = fig.body.groups.flatMap((g) => g.items).find((x) => x.name === farmPoint!.node_name)
    expect(row, 'the farm department in the integrity figure').toBeTruthy()
    expect(row!.rejected).toBeGreaterThanOrEqual(7)
    expect(row!.held).toBeGreaterThanOrEqual(row!.rejected)
    expect(row!.held_share).toBeCloseTo(row!.held / row!.received, 6)
    await admin.goto('/satisfaction')
    const integrity = byTestId(admin, 'dash-integrity')
    await integrity.scrollIntoViewIfNeeded()
    await poll(() => integrity.innerText()).toContain(farmPoint!.node_name)
    await poll(() => integrity.innerText()).toContain('审核剔除占比')
    await integrity.scrollIntoViewIfNeeded()
    await shot(admin, '25f-dashboard-integrity')
    await phonePage.goto('/satisfaction')
    const phoneIntegrity = byTestId(phonePage, 'dash-integrity')
    await phoneIntegrity.waitFor()
    await poll(() => phoneIntegrity.innerText()).toContain(farmPoint!.node_name)
    await phoneIntegrity.scrollIntoViewIfNeeded()
    expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await shot(phonePage, '25g-dashboard-integrity-phone')
    await phonePage.context().close()
  })

  it('adds a collection point for a department, shows its QR code and prints its poster', async () => {
    await admin.goto('/sat-points')
    await byTestId(admin, 'points-table').locator('.el-table__body tr').first().waitFor()
    await byTestId(admin, 'points-add').click()
    await pickNode(admin, 'point-add-node', ['市第一人民医院'], '内科')
    await inputOf(admin, 'point-add-name').fill(`内科E2E诊室${stamp}`)
    await shot(admin, '27-point-add')
    // 内科 already has its outpatient point: a second one is made only once confirmed (it used to
    // be made silently).
    await byTestId(admin, 'point-add-submit').click()
    expect(await answerMessageBox(admin, true)).toContain('已有使用同一问卷的评价点')
    await byTestId(admin, 'point-add-dialog').waitFor({ state: 'hidden' })
    const qr = byTestId(admin, 'point-qr-dialog')
    await qr.waitFor()
    await poll(() => qr.innerText()).toContain(`内科E2E诊室${stamp}`)
    await admin.waitForFunction(() => {
      const img = document.querySelector('[data-testid="point-qr-img"]') as HTMLImageElement | null
      return !!img && img.complete && img.naturalWidth > 0
    })
    const url = await byTestId(admin, 'point-qr-url').innerText()
    expect(url).toMatch(/\/f\/[A-Za-z0-9]+$/)
    await shot(admin, '28-point-qr')
    const created = (await apiGet<{ items: PointBody[] }>(admin, '/api/v1/points?limit=500')).body.items.find((p) => p.name === `内科E2E诊室${stamp}`)
    expect(created?.node_name).toBe('内科')
    expect(url.endsWith(`/f/${created!.code}`)).toBe(true)
    // the printable A4 poster
    const poster = await admin.context().newPage()
    await poster.goto(`/api/v1/points/${created!.id}/poster`)
    await poll(() => poster.locator('body').innerText()).toContain(`内科E2E诊室${stamp}`)
    expect(await poster.locator('.poster svg').count()).toBe(1)
    await shot(poster, '29-poster')
    await poster.close()
    // the public page of the new point answers
    const pub = await apiGet<{ name: string; unit_name: string }>(admin, `/api/v1/public/points/${created!.code}`)
    expect(pub.body.unit_name).toBe('市第一人民医院')
  })

  it('copies a survey template, adds a question and publishes a version', async () => {
    await admin.goto('/sat-templates')
    await byTestId(admin, 'template-copy-outpatient').click()
    await byTestId(admin, 'template-copy-dialog').waitFor()
    const name = `门诊满意度E2E${stamp}`
    await inputOf(admin, 'template-copy-name').fill(name)
    await submitDialog(admin, 'template-copy-submit', 'template-copy-dialog')
    await admin.waitForURL('**/sat-templates/*')
    await poll(() => byTestId(admin, 'editor-title').innerText()).toBe(name)
    await byTestId(admin, 'editor-add-item-0').click()
    await byTestId(admin, 'editor-add-item-type-rating').click()
    const labels = byTestId(admin, 'editor-section-0').locator('input[data-testid^="editor-item-label-"]')
    await labels.last().fill('导诊人员的服务态度')
    expect(await labels.count()).toBeGreaterThan(1)
    await byTestId(admin, 'editor-save').click()
    await poll(() => admin.locator('.el-message').allInnerTexts()).toContain('草稿已保存')
    await byTestId(admin, 'editor-publish').click()
    await admin.locator('.el-message-box__btns .el-button--primary').click()
    await byTestId(admin, 'editor-versions').waitFor()
    await poll(() => byTestId(admin, 'editor-versions').innerText()).toMatch(/v1/)
    await poll(() => byTestId(admin, 'editor-draft-state').innerText()).toBe('草稿与当前版本一致')
    await shot(admin, '30-template-editor')
    await byTestId(admin, 'editor-preview').click()
    await poll(() => byTestId(admin, 'editor-preview-dialog').innerText()).toContain('导诊人员的服务态度')
    await shot(admin, '31-template-preview')
    await admin.keyboard.press('Escape')
  })

  it('imports discharged patients with a row error report, then makes the follow-up call', async () => {
    await admin.goto('/sat-followups?tab=import')
    const patient = `回访E${stamp.slice(-4)}`
    // A unique phone and an old discharge date: no duplicate of an earlier run, and the task is overdue.
    const phoneNo = `139${String(randomBytes(4).readUInt32BE(0) % 1e8).padStart(8, '0')}`
    const day = new Date(Date.UTC(2001 + (randomBytes(1)[0] % 9), randomBytes(1)[0] % 12, 1 + (randomBytes(1)[0] % 28)))
    const iso = (d: Date) => d.toISOString().slice(0, 10)
    const discharged = iso(day)
    const csv = ['name,phone,department,discharge_date', `${patient},${phoneNo},H001-NK,${discharged}`, `坏行,12ab,H001-NK,${discharged}`].join('\n')
    const file = { name: 'patients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') }
    await admin.locator('[data-testid="followup-import-file"] input[type=file]').setInputFiles(file)
    await byTestId(admin, 'followup-import-submit').click()
    const errors = byTestId(admin, 'followup-import-errors')
    await errors.locator('.el-table__body tr').first().waitFor()
    expect(await errors.locator('.el-table__body tr').count()).toBe(1)
    await poll(() => errors.innerText()).toContain('手机号「12ab」无效')
    await poll(() => byTestId(admin, 'followup-import-result').innerText()).toContain('未导入任何记录')
    await shot(admin, '32-followup-import-errors')
    await byTestId(admin, 'followup-import-valid-only').click()
    await byTestId(admin, 'followup-import-submit').click()
    await poll(() => byTestId(admin, 'followup-import-result').innerText()).toContain('成功导入 1 人')

    // The task is due 7 days after discharge (the server's default) and already overdue.
    const due = iso(new Date(day.getTime() + 7 * 86400000))
    const tasks = await apiGet<{ items: { id: string; due_date: string; discharge_date: string; name: string }[] }>(
      admin,
      `/api/v1/followups/tasks?status=open&due_until=${due}&limit=500`,
    )
    const task = tasks.body.items.find((x) => x.discharge_date === discharged && x.due_date === due && x.name.startsWith('回'))
    expect(task, 'the imported follow-up task').toBeTruthy()
    await admin.locator('.el-tabs__item', { hasText: '回访任务' }).click()
    await byTestId(admin, 'followup-quick-overdue').click()
    const row = byTestId(admin, 'followup-table').locator('.el-table__body tr', { has: admin.locator(`[data-testid="followup-call-${task!.id}"]`) })
    await row.waitFor()
    await poll(() => row.innerText()).toContain('已逾期')
    await shot(admin, '33-followup-tasks')
    await byTestId(admin, `followup-call-${task!.id}`).click()
    await admin.waitForURL('**/sat-followups/*')
    await poll(() => byTestId(admin, 'call-patient-name').innerText()).toBe(patient)
    await poll(() => byTestId(admin, 'call-script').innerText()).toContain(patient)
    await byTestId(admin, 'call-outcome-reached').click()
    await byTestId(admin, 'call-submit').click() // the overall rating is required once reached
    await poll(() => admin.locator('.el-form-item__error').allInnerTexts()).toContain('接通后请记录患者的总体评价')
    await byTestId(admin, 'call-overall-4').click()
    await textareaOf(admin, 'call-comment').fill(`回访意见 followup-${stamp}`)
    await admin.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
    await shot(admin, '34-followup-call')
    await byTestId(admin, 'call-submit').click()
    await admin.waitForURL((u) => u.pathname === '/sat-followups')
    const rated = await apiGet<{ items: { channel: string; overall: number }[] }>(admin, `/api/v1/ratings/comments?q=${encodeURIComponent(`followup-${stamp}`)}`)
    expect(rated.body.items).toEqual([expect.objectContaining({ channel: 'followup', overall: 4 })])
    await admin.goto('/sat-followups?tab=rates')
    await byTestId(admin, 'followup-rate-table').locator('.el-table__body tr').first().waitFor()
    await chartShot(admin, '35-followup-rates')
  })

  it('records an opinion-box rating from the console with its channel', async () => {
    await admin.goto('/sat-entry')
    await pickNode(admin, 'entry-node', ['市第一人民医院'], '内科')
    await byTestId(admin, 'entry-point').click()
    await admin.locator('.el-select-dropdown__item:visible').first().click()
    await byTestId(admin, 'entry-channel-opinion_box').click()
    await byTestId(admin, 'entry-overall-4').click()
    await textareaOf(admin, 'entry-comment').fill(`意见箱来信 box-${stamp}`)
    await shot(admin, '36-entry')
    await byTestId(admin, 'entry-submit').click()
    await byTestId(admin, 'entry-last').waitFor()
    const rated = await apiGet<{ items: { channel: string; overall: number; node_name: string }[] }>(admin, `/api/v1/ratings/comments?q=${encodeURIComponent(`box-${stamp}`)}`)
    expect(rated.body.items).toEqual([expect.objectContaining({ channel: 'opinion_box', overall: 4 })])
  })

  it('the bureau drills down from the city to the hospital', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/satisfaction')
    await byTestId(page, 'dash-ranking').locator('.el-table__body tr').first().waitFor()
    const root = await byTestId(page, 'dash-node-name').innerText()
    // city → county → hospital, by clicking units in the ranking
    for (let depth = 0; depth < 3; depth++) {
      const name = await byTestId(page, 'dash-node-name').innerText()
      if (name === '市第一人民医院') break
      const current = new URL(page.url()).searchParams.get('node')
      expect(current, 'the dashboard keeps its node in the address').toBeTruthy()
      const kids = (await apiGet<DashboardBody>(page, `/api/v1/satisfaction/dashboard?node=${current}`)).body.ranking.items
      const target = kids.find((k) => k.name === '市第一人民医院') ?? (await (async () => {
        for (const k of kids) {
          const sub = await apiGet<DashboardBody>(page, `/api/v1/satisfaction/dashboard?node=${k.node_id}`)
          if (sub.body.ranking.items.some((x) => x.name === '市第一人民医院')) return k
        }
        return undefined
      })())
      expect(target, `a unit under ${name} that leads to 市第一人民医院`).toBeTruthy()
      await byTestId(page, `drill-${target!.node_id}`).click()
      await poll(() => byTestId(page, 'dash-node-name').innerText()).toBe(target!.name)
    }
    await poll(() => byTestId(page, 'dash-node-name').innerText()).toBe('市第一人民医院')
    const crumbs = await byTestId(page, 'dash-breadcrumb').innerText()
    expect(crumbs).toContain(root)
    await chartShot(page, '37-dashboard-drilled')
    // quarter and year periods; units below the minimum n are greyed and not ranked
    await byTestId(page, 'dash-period-quarter').click()
    await byTestId(page, 'dash-search').click()
    await poll(() => byTestId(page, 'dash-period-label').innerText()).toMatch(/Q|季度/)
    await byTestId(page, 'dash-period-year').click()
    await inputOf(page, 'dash-min-n').fill('100000')
    await byTestId(page, 'dash-search').click()
    await poll(() => byTestId(page, 'dash-ranking').locator('[data-testid="rank-insufficient"]').count()).toBeGreaterThan(0)
    await poll(() => byTestId(page, 'dash-ranking-note').innerText()).toContain('未参与排名')
    // back up through the breadcrumb
    await byTestId(page, 'dash-crumb-0').click()
    await poll(() => byTestId(page, 'dash-node-name').innerText()).toBe(root)
    await chartShot(page, '38-dashboard-bureau')
    await page.context().close()
  })
})
