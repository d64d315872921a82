// Sign-in scenario: pressing Enter signs in (or fails) exactly once, the session that follows
// works for state changes, and no console or public page trips the Content-Security-Policy.
// Needs a running server with demo data (see foundation.spec.ts). Each run creates its own user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { apiGet, BASE, byTestId, DEMO_PASSWORD, inputOf, launch, login, logout, newPage, newPhonePage, poll, shot, uniqueStamp } from './helpers'

const stamp = uniqueStamp()
const USER = `enter${stamp}`
const PASSWORD = 'Enter-pass-7'
let browser: Browser
let admin: Page

/** Watches a page for Content-Security-Policy violations (events and console reports). */
async function cspWatch(page: Page): Promise<() => Promise<string[]>> {
  const reports: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) reports.push(m.text())
  })
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] }
    w.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  return async () => [...reports, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))]
}

async function apiPost(page: Page, url: string, body: unknown): Promise<number> {
  const me = await apiGet<{ csrf_token: string }>(page, '/api/v1/me')
  const r = await page.request.post(url, { data: body, headers: { 'X-CSRF-Token': me.body.csrf_token } })
  return r.status()
}

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no server at ${BASE}: start one with demo data (see the comment at the top of this file)`)
  }
  browser = await launch()
  admin = await newPage(browser)
  await login(admin, 'bureau')
  const units = await apiGet<{ items: { id: string }[] }>(admin, '/api/v1/org/nodes')
  expect(units.status).toBe(200)
  const root = units.body.items[0]
  const status = await apiPost(admin, '/api/v1/users', {
    username: USER,
    display_name: '回车测试',
    password: PASSWORD,
    node_id: root.id,
    must_change_password: false,
  })
  expect(status).toBe(201)
})

afterAll(async () => {
  await browser?.close()
})

describe('sign-in with Enter', () => {
  it('counts one failure per Enter, then signs in once and the session can post', async () => {
    const page = await newPage(browser)
    const logins: number[] = []
    const marks: number[] = []
    page.on('response', (r) => {
      const p = new URL(r.url()).pathname
      if (p === '/api/v1/auth/login') logins.push(r.status())
      if (p === '/api/v1/devices/mark') marks.push(r.status())
    })
    await page.goto('/login')
    await inputOf(page, 'login-username').fill(USER)
    for (let i = 1; i <= 3; i++) {
      await inputOf(page, 'login-password').fill(`Wrong-pass-${i}`)
      await inputOf(page, 'login-password').press('Enter')
      await poll(() => logins.length).toBe(i)
      await byTestId(page, 'login-error').waitFor()
      await page.waitForTimeout(300) // a second submission would have been sent by now
      expect(logins).toEqual(Array(i).fill(401))
    }
    await expect(byTestId(page, 'login-error').textContent()).resolves.toContain('用户名或密码错误')
    await shot(page, 'signin-wrong-enter')

    // Three mistakes do not lock the account (they are three, not six): Enter signs in.
    await inputOf(page, 'login-password').fill(PASSWORD)
    await inputOf(page, 'login-password').press('Enter')
    await page.waitForURL((u) => !u.pathname.startsWith('/login'))
    await byTestId(page, 'current-user').waitFor()
    await page.waitForTimeout(300)
    expect(logins).toEqual([401, 401, 401, 200])
    // The console marks this browser as a staff device right after signing in: a POST with
    // the CSRF token of the one session that exists.
    await poll(() => marks.length).toBe(1)
    expect(marks[0]).toBeLessThan(300)
    expect(await apiPost(page, '/api/v1/devices/mark', { device: `e2e-${stamp}` })).toBeLessThan(300)
    await logout(page)
    await page.close()

    // What the audit page shows for this account: 3 failed attempts, 1 sign-in.
    await admin.goto('/audit')
    await inputOf(admin, 'audit-filter-user').fill(USER)
    await byTestId(admin, 'audit-search').click()
    // The page names actions in words; each action cell keeps its code in its title.
    const action = (code: string) => admin.locator(`[data-testid="audit-table"] [data-testid="audit-action"][title="${code}"]`)
    // Both counts at once: the unfiltered first page can show 3 failures of other users by chance
    // before the filtered answer replaces it.
    await poll(async () => [await action('auth.login_failed').count(), await action('auth.login').count()]).toEqual([3, 1])
    expect(await action('auth.login_failed').first().textContent()).toBe('登录失败')
    await shot(admin, 'signin-audit')
  })

  it('the password-change form submits once on Enter too', async () => {
    const page = await newPage(browser)
    let posts = 0
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/auth/password' && r.method() === 'POST') posts++
    })
    await login(page, USER, PASSWORD)
    // The first submission stays pending for a moment whatever the server's speed (its
    // password check takes ~0.2 s in production, a millisecond with the tests' hashing), so
    // the second Enter comes while it is in flight, as a person's double press would.
    await page.route('**/api/v1/auth/password', async (route) => {
      await new Promise((r) => setTimeout(r, 800))
      await route.continue()
    })
    await page.goto('/password')
    await inputOf(page, 'pw-old').fill('Wrong-old-1')
    await inputOf(page, 'pw-new').fill('Next-pass-9')
    await inputOf(page, 'pw-confirm').fill('Next-pass-9')
    await inputOf(page, 'pw-confirm').press('Enter')
    await inputOf(page, 'pw-confirm').press('Enter')
    await poll(() => posts).toBeGreaterThan(0)
    await page.waitForTimeout(1500)
    expect(posts).toBe(1)
    await page.close()
  })
})

describe('signed-in devices (登录设备)', () => {
  it('a user on a phone sees the desk sign-in, ends it, and signing in again can end the others', async () => {
    // The desk signs in ending every earlier sign-in of this account (the other tests' too).
    const signIn = async (page: Page, endOthers: boolean) => {
      await page.goto('/login')
      await inputOf(page, 'login-username').fill(USER)
      await inputOf(page, 'login-password').fill(PASSWORD)
      if (endOthers) await byTestId(page, 'login-end-others').click()
      await byTestId(page, 'login-submit').click()
      await page.waitForURL((u) => !u.pathname.startsWith('/login'))
    }
    const desk = await newPage(browser)
    await signIn(desk, true)
    const phone = await newPhonePage(browser)
    await signIn(phone, false)
    // Told at once that the account is signed in elsewhere.
    await poll(() => phone.locator('.el-message', { hasText: '其他 1 处登录' }).count()).toBe(1)

    await phone.goto('/password')
    const items = phone.locator('[data-testid="session-item"]')
    await poll(() => items.count()).toBe(2)
    expect(await phone.locator('[data-testid="session-item"][data-current="true"]').textContent()).toContain('本设备')
    expect(await phone.locator('[data-testid="session-item"][data-current="false"]').textContent()).toContain('电脑浏览器')
    const width = await phone.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(390)
    await shot(phone, 'sessions-phone')

    // End the desk's sign-in from the phone: the desk is signed out.
    await phone.locator('[data-testid="session-item"][data-current="false"] [data-testid="session-end"]').click()
    await phone.locator('.el-message-box__btns .el-button--primary').click()
    await poll(() => items.count()).toBe(1)
    expect((await apiGet(desk, '/api/v1/me')).status).toBe(401)
    await desk.goto('/')
    await desk.waitForURL((u) => u.pathname.startsWith('/login'))

    // The desk signs in again and ends the sign-in on the phone while doing so.
    await signIn(desk, true)
    expect((await apiGet(phone, '/api/v1/me')).status).toBe(401)
    await desk.goto('/password')
    await poll(() => desk.locator('[data-testid="session-item"]').count()).toBe(1)
    await byTestId(desk, 'sessions-none').waitFor()
    await shot(desk, 'sessions-desk')
    await desk.close()
    await phone.close()
  })
})

describe('content security policy', () => {
  it('console pages and public pages run with no CSP violation', async () => {
    const page = await newPage(browser)
    const violations = await cspWatch(page)
    await page.goto('/login')
    await shot(page, 'signin-login')
    await login(page, 'bureau', DEMO_PASSWORD)
    for (const path of ['/', '/satisfaction', '/cases', '/case-stats', '/org', '/users', '/audit']) {
      await page.goto(path)
      await byTestId(page, 'current-user').waitFor()
      await page.waitForTimeout(800)
    }
    const res = await page.goto('/')
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(res?.headers()['x-frame-options']).toBe('DENY')
    const pts = await apiGet<{ items: { code: string }[] }>(page, '/api/v1/points?limit=1')
    expect(pts.status).toBe(200)
    const phone = await browser.newContext({ baseURL: BASE, viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    const h5 = await phone.newPage()
    const h5violations = await cspWatch(h5)
    for (const path of [`/f/${pts.body.items[0].code}`, '/c?unit=H001&point=H001-NK', '/t']) {
      await h5.goto(path)
      await h5.waitForTimeout(800)
      await shot(h5, `signin-csp-h5${path.replace(/[^a-z0-9]+/gi, '-')}`)
    }
    // The h5 scripts ran: the rating page shows its levels, the complaint form its types.
    await h5.goto(`/f/${pts.body.items[0].code}`)
    await poll(() => h5.locator('[data-l]').count()).toBeGreaterThan(0)
    expect(await violations()).toEqual([])
    expect(await h5violations()).toEqual([])
    await phone.close()
    await page.close()
  })
})
