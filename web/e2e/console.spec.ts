// A clean browser console (issue 10, item 12): visiting the console's main pages logs no
// warning and no error — no Element Plus deprecation warnings, no Vue warnings, no failed
// request such as a missing /favicon.ico; and the 预警比例 slider shows its number. Needs a
// running server with demo data (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { BASE, byTestId, launch, login, newPage, newPhonePage } from './helpers'

const PAGES = [
  '/',
  '/cases',
  '/case-entry',
  '/case-stats',
  '/case-settings',
  '/case-calendar',
  '/satisfaction',
  '/sat-comments',
  '/sat-reviews',
  '/sat-points',
  '/sat-templates',
  '/sat-followups',
  '/sat-entry',
  '/org',
  '/staff',
  '/users',
  '/audit',
  '/password',
]

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

/** Every console warning or error, and every failed request, the page produces from now on. */
function watchConsole(page: Page): string[] {
  const seen: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') seen.push(`${new URL(page.url()).pathname} ${m.type()}: ${m.text().split('\n')[0]}`)
  })
  page.on('pageerror', (e) => seen.push(`${new URL(page.url()).pathname} pageerror: ${e.message}`))
  page.on('response', (r) => {
    if (r.status() === 404) seen.push(`${new URL(page.url()).pathname} 404: ${r.url()}`)
  })
  return seen
}

async function visitAll(page: Page, seen: string[]): Promise<void> {
  for (const path of PAGES) {
    await page.goto(path)
    await byTestId(page, 'current-user').waitFor()
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(500) // charts and lazy parts
  }
  // A case detail, and a rating's detail.
  const r = await page.request.get('/api/v1/cases?limit=1')
  const first = ((await r.json()) as { items: { id: string }[] }).items[0]
  expect(first, 'a case to open').toBeTruthy()
  await page.goto(`/cases/${first.id}`)
  await byTestId(page, 'case-code').waitFor()
  await page.waitForLoadState('networkidle')
  expect([...new Set(seen)]).toEqual([])
}

describe('browser console', () => {
  it('the main pages log no warning or error (desktop, hosp1)', async () => {
    const page = await newPage(browser)
    // Signed out, the sign-in page's look-up of /api/v1/me answers 401 by design (the
    // browser logs that response): watch from the first signed-in page on.
    await login(page, 'hosp1')
    const seen = watchConsole(page)
    await visitAll(page, seen)
    await page.context().close()
  })

  it('the main pages log no warning or error (phone, bureau)', async () => {
    const page = await newPhonePage(browser)
    await login(page, 'bureau')
    const seen = watchConsole(page)
    await visitAll(page, seen)
    await page.context().close()
  })

  it('the 预警比例 slider shows its value as a number', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/case-settings')
    await page.locator('.el-tabs__item', { hasText: '办理时限' }).click()
    const value = page.locator('[data-testid="settings-warn-ratio"]:visible').first()
    await value.waitFor()
    expect(await value.innerText()).toMatch(/^\d{1,2}%$/)
    await page.context().close()
  })

  it('serves a favicon', async () => {
    const r = await fetch(`${BASE}/favicon.ico`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('image/x-icon')
    expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(100)
  })
})
