// Shared helpers for the browser tests: playwright-core driving Debian's chromium.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { expect } from 'vitest'

export const BASE = (process.env.MANYI_URL ?? 'http://127.0.0.1:18080').replace(/\/$/, '')
export const DEMO_PASSWORD = process.env.MANYI_DEMO_PASSWORD ?? 'Manyi-demo-1'
/**
 * expect.poll with room for a busy machine (the default gives up after 1 s). Use it for every
 * check of what a page shows: pages render before their data arrives.
 */
export const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 100 })

export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots')

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export async function newPage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: BASE, viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await ctx.newPage()
  page.setDefaultTimeout(15_000)
  return page
}

/** The width and height of the phone viewport used by the phone tests (an iPhone 14). */
export const PHONE = { width: 390, height: 844 }

/** A page in its own context on a phone: 390×844, touch, mobile viewport. */
export async function newPhonePage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({
    baseURL: BASE,
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  const page = await ctx.newPage()
  page.setDefaultTimeout(15_000)
  return page
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.waitForTimeout(300) // let transitions settle
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false })
}

export const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`).first()

/** The native <input> of an Element Plus input carrying data-testid (on the input or its wrapper). */
export const inputOf = (page: Page, id: string) => page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first()

export function exact(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)
}

export async function login(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login')
  await inputOf(page, 'login-username').fill(username)
  await inputOf(page, 'login-password').fill(password)
  await byTestId(page, 'login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  if (new URL(page.url()).pathname === '/password') throw new Error(`demo user ${username} must change its password first`)
  await byTestId(page, 'current-user').waitFor()
}

export async function logout(page: Page): Promise<void> {
  await byTestId(page, 'logout').click()
  await page.waitForURL((u) => u.pathname.startsWith('/login'))
}

/** Call the API with the page's session (cookie and CSRF token from /me). */
export async function apiGet<T = unknown>(page: Page, url: string): Promise<{ status: number; body: T }> {
  const r = await page.request.get(url)
  let body: unknown = undefined
  try {
    body = await r.json()
  } catch {
    /* no body */
  }
  return { status: r.status(), body: body as T }
}

/** POST with the page's session: JSON (an object) or raw text with its content type. */
export async function apiPost<T = unknown>(page: Page, url: string, data: unknown, contentType?: string): Promise<{ status: number; body: T }> {
  const me = await apiGet<{ csrf_token: string }>(page, '/api/v1/me')
  const headers: Record<string, string> = { 'X-CSRF-Token': me.body.csrf_token }
  if (contentType) headers['Content-Type'] = contentType
  const r = await page.request.post(url, { data: data as string | Record<string, unknown>, headers })
  let body: unknown = undefined
  try {
    body = await r.json()
  } catch {
    /* no body */
  }
  return { status: r.status(), body: body as T }
}

/** The local date (Asia/Shanghai) `days` from today as YYYY-MM-DD. */
/**
 * A unique mark for the names a spec makes up (units, users, templates). It always holds a
 * digit: the no-English check (i18n.spec.ts) reads a Latin token with a digit as an id or a
 * code, as it reads H001, so a name a test made up is never taken for the console speaking
 * English (base 36 alone is all letters about one time in fourteen).
 */
export function uniqueStamp(): string {
  return Date.now().toString(36) + String(Math.floor(Math.random() * 10))
}

export function shanghaiDay(days = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + days * 86400_000).toISOString().slice(0, 10)
}

/** A visible tree node row (el-tree-node__content) whose name is exactly `name`. */
export function treeRow(scope: Locator, name: string): Locator {
  return scope.locator('.el-tree-node__content').filter({ has: scope.page().locator('.node-name', { hasText: exact(name) }) }).first()
}

/** Expand a lazy el-tree along `names` (root first). */
export async function expandPath(scope: Locator, names: string[], timeout?: number): Promise<void> {
  for (const name of names) {
    const row = treeRow(scope, name)
    await row.waitFor({ state: 'visible', timeout })
    const node = row.locator('xpath=..')
    // A click that lands while a popper is still opening can be lost: retry a few times.
    for (let attempt = 0; (await node.getAttribute('aria-expanded', { timeout })) !== 'true'; attempt++) {
      if (attempt === 4) throw new Error(`tree node "${name}" does not expand`)
      await row.locator('.el-tree-node__expand-icon').click()
      await scope
        .page()
        .waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await node.elementHandle(), { timeout: 4000 })
        .catch(() => undefined)
    }
  }
}

/** Choose a node in a NodePicker (lazy el-tree-select): open it, expand `path`, click `name`. */
export async function pickNode(page: Page, testid: string, pathNames: string[], name: string): Promise<void> {
  const popper = page.locator('.node-picker-popper:visible').last()
  // Open the picker and expand the path. Seen once in CI-like runs on PostgreSQL: the popper
  // closed while the tree was being expanded (the row was visible, then gone with its popper),
  // leaving the dialog open for every later test. Open it again and retry; the selected name is
  // still checked at the end.
  for (let attempt = 0; ; attempt++) {
    if ((await popper.count()) === 0) {
      await byTestId(page, testid).click()
      await popper.waitFor()
      await page.waitForTimeout(300) // the popper's opening transition
    }
    try {
      await expandPath(popper, pathNames, 5000)
      break
    } catch (e) {
      await shot(page, `retry-pick-${testid}-${attempt}`)
      if (attempt === 2) throw e
    }
  }
  // el-tree-select registers a freshly loaded node as an option a moment after it shows:
  // a click before that selects nothing, so retry until the popper closes.
  for (let attempt = 0; ; attempt++) {
    await page.waitForTimeout(200)
    await treeRow(popper, name).locator('.node-name').click()
    try {
      await popper.waitFor({ state: 'hidden', timeout: 3000 })
      break
    } catch (e) {
      if (attempt === 3) throw e
    }
  }
  await page.waitForFunction(
    ([id, text]) => document.querySelector(`.el-select[data-testid="${id}"]`)?.textContent?.includes(text),
    [testid, name] as const,
  )
}

/**
 * Opens an Element Plus select by its arrow (right edge): a click in the middle of a multi-select
 * can land on a chosen tag's close icon and remove the tag instead of opening the list.
 */
export async function openSelect(page: Page, testid: string): Promise<void> {
  const sel = byTestId(page, testid)
  const box = await sel.boundingBox()
  if (!box) throw new Error(`select ${testid} is not on screen`)
  await sel.click({ position: { x: box.width - 12, y: box.height / 2 } })
  await page.locator('.el-select-dropdown:visible').first().waitFor()
}

/** Click a dialog's submit button and wait for the dialog to close; on failure report the message shown. */
export async function submitDialog(page: Page, submitId: string, dialogId: string): Promise<void> {
  await byTestId(page, submitId).click()
  try {
    await byTestId(page, dialogId).waitFor({ state: 'hidden', timeout: 10_000 })
  } catch (e) {
    await shot(page, `failed-${dialogId}`)
    const msg = await page.locator('.el-message').allInnerTexts()
    throw new Error(`dialog ${dialogId} did not close; messages: ${JSON.stringify(msg)}; ${(e as Error).message}`)
  }
}

/** Choose an option of an el-select by its visible label. */
export async function pickOption(page: Page, testid: string, label: string | RegExp): Promise<void> {
  await byTestId(page, testid).click()
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: label }).first()
  await option.click()
}

export interface NodeInfo {
  id: string
  name: string
  parent_id: string | null
  kind: string
  code: string
  path?: { id: string; name: string }[]
}

/** Send a JSON request with the page's session and its CSRF token (from /me). */
export async function apiSend<T = unknown>(page: Page, method: string, url: string, body: unknown = {}): Promise<{ status: number; body: T }> {
  const me = await (await page.request.get('/api/v1/me')).json()
  const r = await page.request.fetch(url, { method, data: body, headers: { 'X-CSRF-Token': me.csrf_token } })
  let out: unknown = undefined
  try {
    out = await r.json()
  } catch {
    /* no body */
  }
  return { status: r.status(), body: out as T }
}

/** Click the primary (confirm) or the cancel button of the Element Plus message box on screen. */
export async function answerMessageBox(page: Page, confirm: boolean): Promise<string> {
  const box = page.locator('.el-message-box:visible').last()
  await box.waitFor()
  const text = await box.innerText()
  await box.locator(confirm ? '.el-message-box__btns .el-button--primary' : '.el-message-box__btns .el-button:not(.el-button--primary)').click()
  await box.waitFor({ state: 'hidden' })
  return text
}

/** Names of the ancestors of a node, from the top of the user's tree down, excluding the node itself. */
export function ancestorNames(n: NodeInfo): string[] {
  const p = (n.path ?? []).filter((x) => x.id !== n.id)
  return p.map((x) => x.name)
}

/** The <textarea> of an Element Plus textarea input carrying data-testid (on the textarea or its wrapper). */
export const textareaOf = (page: Page, id: string) => page.locator(`textarea[data-testid="${id}"], [data-testid="${id}"] textarea`).first()

/** An org node by its code, with its path (for pickNode), looked up with the page's session. */
export async function nodeByCode(page: Page, code: string, search: string): Promise<NodeInfo> {
  const found = await apiGet<{ items: NodeInfo[] }>(page, '/api/v1/org/search?q=' + encodeURIComponent(search))
  const n = found.body.items.find((x) => x.code === code)
  if (!n) throw new Error(`no node ${code} found searching "${search}"`)
  return (await apiGet<NodeInfo>(page, `/api/v1/org/nodes/${n.id}`)).body
}

/** Removes the toasts on screen and scrolls to the top, for a screenshot of the page itself. */
export async function clearToasts(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.querySelectorAll('.el-message').forEach((e) => e.remove())
    window.scrollTo(0, 0)
    document.querySelectorAll('.el-main').forEach((e) => e.scrollTo(0, 0)) // the console's scrolling pane
  })
}

/**
 * What `user` may not see: the record is not in its list (`list`, an API url), its API answers
 * 404 (`api`), and its console page (`page`) shows the not-found card (`missing`, a test id)
 * and none of its words (`text`).
 */
export async function expectHiddenFrom(
  browser: Browser,
  user: string,
  o: { id: string; list: string; api: string; page: string; missing: string; text: string },
): Promise<void> {
  const page = await newPage(browser)
  await login(page, user)
  const list = await apiGet<{ items: { id: string }[] }>(page, o.list)
  expect(list.status).toBe(200)
  expect(list.body.items.map((i) => i.id)).not.toContain(o.id)
  expect((await apiGet(page, o.api)).status).toBe(404)
  await page.goto(o.page)
  await byTestId(page, o.missing).waitFor()
  expect(await page.locator('body').innerText()).not.toContain(o.text)
  await page.context().close()
}
