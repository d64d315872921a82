// The Chinese console shows no English: the main pages as hosp1 (unit admin), handler, the inspector and a 社会监督员
// (投诉受理员), and the errors a person meets (a unit outside one's scope, a case that does
// not exist, a wrongly filled field), checked for ASCII words beyond a small, explicit allowance.
// The audit log shows actions and objects in words. Needs a running server with demo data (see
// foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { apiGet, BASE, byTestId, inputOf, launch, login, newPage, poll, shot } from './helpers'

/**
 * ASCII words a Chinese page may show. Keep it small: file types and keys named as such, the
 * extensions of users' file names (情况说明.pdf), the acronyms IP and ID, and data — the demo's usernames (people type them to sign in; "demo" is the
 * demo generator's name in the audit log) and the shipped survey templates' codes (编码 column).
 */
const ALLOWED = new Set([
  ...['PDF', 'JPG', 'PNG', 'GIF', 'WebP', 'CSV', 'Excel', 'Enter', 'Tab', 'Ctrl', 'IP', 'ID'],
  ...['pdf', 'jpg', 'jpeg', 'png', 'gif', 'webp'],
  ...['bureau', 'inspector', 'supervisor', 'handler', 'dept', 'staff', 'demo'],
  ...['outpatient', 'inpatient', 'window'],
])

/**
 * The English words on the page: tokens made of ASCII letters only (two or more). Tokens with
 * digits are ids and codes (H001, H001-NK), and six or more capitals are tracking and point
 * codes (FYYCNWTNFA): allowed.
 */
function englishWords(text: string): string[] {
  const words = new Set<string>()
  for (const m of text.matchAll(/[A-Za-z0-9][A-Za-z0-9_-]*/g)) {
    const tok = m[0]
    if (/\d/.test(tok) || /^[A-Z]{6,}$/.test(tok) || tok.length < 2 || ALLOWED.has(tok)) continue
    words.add(tok)
  }
  return [...words].sort()
}

/** What a person can read on the page, less what users wrote: the rendered text, placeholders of visible fields, and messages. */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    // What people wrote (a complaint's words, a comment) is theirs, in whatever language: the
    // console marks it with data-user-text and only the console's own words are checked.
    let own = document.body.innerText
    for (const el of Array.from(document.querySelectorAll('[data-user-text]'))) {
      const words = (el as HTMLElement).innerText
      if (words) own = own.split(words).join(' ')
    }
    const parts = [own]
    for (const el of Array.from(document.querySelectorAll('input[placeholder], textarea[placeholder]'))) {
      const h = el as HTMLElement
      if (h.offsetParent !== null) parts.push(h.getAttribute('placeholder') ?? '')
    }
    return parts.join('\n')
  })
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined)
  await page.waitForTimeout(400)
}

async function expectNoEnglish(page: Page, where: string): Promise<void> {
  await settle(page)
  const text = await visibleText(page)
  const words = englishWords(text)
  const lines = text.split('\n').filter((l) => words.some((w) => l.includes(w)))
  expect(words, `${where}: ${lines.slice(0, 12).join(' | ')}`).toEqual([])
}

let browser: Browser

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one (see foundation.spec.ts) or set MANYI_URL`)
  }
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const HOSP1_PAGES = ['/', '/org', '/staff', '/users', '/audit', '/cases', '/case-entry', '/case-stats', '/satisfaction', '/sat-comments', '/sat-reviews', '/sat-points', '/sat-templates', '/sat-followups', '/sat-entry', '/password', '/form-templates', '/rectifications', '/rectify-verify', '/inspection-plans', '/inspection-coverage', '/inspection-tasks', '/inspections']
// The inspectors: the bureau's 督查组 and a 社会监督员 (who sees only the tasks assigned to them).
const INSPECTOR_PAGES = ['/', '/inspection-plans', '/inspection-coverage', '/inspection-tasks', '/inspections', '/rectifications', '/rectify-verify']
const SUPERVISOR_PAGES = ['/', '/inspection-tasks']
const HANDLER_PAGES = ['/', '/org', '/staff', '/cases', '/case-entry', '/case-stats', '/satisfaction', '/sat-comments', '/sat-templates', '/sat-followups', '/sat-entry']

describe('the Chinese console shows no English', () => {
  it('walks the main pages as hosp1', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    for (const p of HOSP1_PAGES) {
      await page.goto(p)
      await expectNoEnglish(page, `hosp1 ${p}`)
    }
    // A case in full.
    const list = await apiGet<{ items: { id: string }[] }>(page, '/api/v1/cases?limit=5')
    expect(list.body.items?.length ?? 0, 'demo cases of 市第一人民医院').toBeGreaterThan(0)
    await page.goto(`/cases/${list.body.items[0].id}`)
    await byTestId(page, 'current-user').waitFor()
    await expectNoEnglish(page, 'hosp1 case detail')
    await page.context().close()
  })

  it('walks the main pages as handler', async () => {
    const page = await newPage(browser)
    await login(page, 'handler')
    for (const p of HANDLER_PAGES) {
      await page.goto(p)
      await expectNoEnglish(page, `handler ${p}`)
    }
    await page.context().close()
  })

  it('walks the inspection pages as the inspector and a 社会监督员, and an inspection in full', async () => {
    for (const [user, pages] of [['inspector', INSPECTOR_PAGES], ['supervisor', SUPERVISOR_PAGES]] as const) {
      const page = await newPage(browser)
      await login(page, user)
      for (const p of pages) {
        await page.goto(p)
        await expectNoEnglish(page, `${user} ${p}`)
      }
      if (user === 'inspector') {
        const done = await apiGet<{ items: { id: string }[] }>(page, '/api/v1/inspections?limit=5')
        expect(done.body.items?.length ?? 0, 'the demo year of inspections').toBeGreaterThan(0)
        await page.goto(`/inspections/${done.body.items[0].id}`)
        await byTestId(page, 'insp-findings').waitFor()
        await expectNoEnglish(page, 'inspector inspection detail')
        const plans = await apiGet<{ items: { id: string }[] }>(page, '/api/v1/inspection-plans?limit=5')
        expect(plans.body.items?.length ?? 0, 'the demo plans').toBeGreaterThan(0)
      }
      await page.context().close()
    }
  })

  it('shows a unit outside the scope in Chinese (was a wholly English toast)', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    const units = await apiGet<{ items: { id: string; name: string }[] }>(page, `/api/v1/public/units?q=${encodeURIComponent('市中医院')}`)
    const other = units.body.items.find((u) => u.name === '市中医院')
    expect(other, 'demo unit 市中医院').toBeTruthy()
    await page.goto(`/satisfaction?node=${other!.id}`)
    const msg = page.locator('.el-message--error').first()
    await msg.waitFor()
    await poll(() => msg.innerText()).toContain('您没有权限执行此操作')
    // The 统计范围 picker never shows a raw node id.
    expect(await byTestId(page, 'dash-node').innerText()).not.toMatch(/\d{6,}/)
    await shot(page, 'i18n-01-forbidden-toast')
    await expectNoEnglish(page, 'hosp1 dashboard of another unit')
    await page.context().close()
  })

  it('names the 统计范围 when the dashboard is opened at a node (reload, link)', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    await page.goto('/satisfaction')
    await poll(() => page.url()).toContain('node=')
    await settle(page)
    const picker = byTestId(page, 'dash-node')
    await poll(() => picker.innerText()).toContain('市第一人民医院')
    await page.reload()
    await byTestId(page, 'dash-node').waitFor()
    // While the dashboard loads and after, the picker shows the name or nothing, never the id.
    expect(await byTestId(page, 'dash-node').innerText()).not.toMatch(/\d{6,}/)
    await poll(() => byTestId(page, 'dash-node').innerText()).toContain('市第一人民医院')
    await page.context().close()
  })

  it('shows a case that does not exist in Chinese', async () => {
    const page = await newPage(browser)
    await login(page, 'handler')
    await page.goto('/cases/1234567')
    await byTestId(page, 'case-missing').waitFor()
    await shot(page, 'i18n-02-case-not-found')
    await expectNoEnglish(page, 'handler missing case')
    await page.context().close()
  })

  it('shows a wrongly filled field in Chinese (was followed by the server English)', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    await page.goto('/password')
    await inputOf(page, 'pw-old').fill('not-my-password-1')
    await inputOf(page, 'pw-new').fill('Another-pass-123')
    await inputOf(page, 'pw-confirm').fill('Another-pass-123')
    await byTestId(page, 'pw-submit').click()
    await poll(() => byTestId(page, 'pw-error').innerText()).toContain('「原密码」填写有误')
    await shot(page, 'i18n-03-invalid-field')
    await expectNoEnglish(page, 'hosp1 wrong old password')
    await page.context().close()
  })

  it('saves exports under Chinese names with the unit and period', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    await page.goto('/satisfaction')
    await poll(() => byTestId(page, 'dash-node').innerText()).toContain('市第一人民医院')
    await settle(page)
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7)
    const [rank] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'dash-export').click()])
    expect(rank.suggestedFilename()).toBe(`市第一人民医院_满意度排名_${month}.xlsx`)
    await page.goto('/case-stats')
    await settle(page)
    const [stats] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'stats-export').click()])
    expect(stats.suggestedFilename()).toMatch(/^市第一人民医院_投诉统计_\d{4}-01-01至\d{4}-\d{2}-\d{2}\.xlsx$/)
    await page.context().close()
  })

  it('shows the audit log in words', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    // Reveal a complainant's contact (audited), then read the log.
    const list = await apiGet<{ items: { id: string }[] }>(page, '/api/v1/cases?limit=50')
    let revealed = false
    for (const c of list.body.items ?? []) {
      const d = await apiGet<{ has_contact?: boolean }>(page, `/api/v1/cases/${c.id}`)
      if (!d.body.has_contact) continue
      expect((await apiGet(page, `/api/v1/cases/${c.id}/contact`)).status).toBe(200)
      revealed = true
      break
    }
    expect(revealed, 'a demo case of 市第一人民医院 with a complainant contact').toBe(true)
    await page.goto('/audit')
    const table = byTestId(page, 'audit-table')
    await poll(() => table.innerText()).toContain('查看投诉人联系方式')
    const text = await table.innerText()
    expect(text).toContain('登录')
    expect(text).toContain('会话')
    expect(text).not.toMatch(/auth\.login|case\.contact|session #/)
    await expectNoEnglish(page, 'hosp1 audit log')
    await shot(page, 'i18n-04-audit')
    await page.context().close()
  })
})
