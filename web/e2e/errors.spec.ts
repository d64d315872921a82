// Errors as a person sees them: every page reports a failed request through the one showError
// (web/src/shared/showError.ts) — the Chinese sentence for the server's error code, naming the
// field, with the server's own English words only under a collapsed 详情 for support.
// Needs a running demo server (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { BASE, apiGet, byTestId, launch, login, newPage, poll, shot } from './helpers'

let browser: Browser

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one or set MANYI_URL`)
  }
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('error toasts', () => {
  it('shows a refused form in Chinese naming the field, the server’s words only under 详情 (users page)', async () => {
    const page = await newPage(browser)
    await login(page, 'bureau')
    await page.goto('/users')
    await byTestId(page, 'users-add').click()
    await byTestId(page, 'user-add-dialog').waitFor()
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST')
    await byTestId(page, 'user-form-submit').click() // nothing filled in: the server answers 422
    const res = await answer
    expect(res.status()).toBe(422)
    const body = (await res.json()) as { error: { code: string; field: string; message: string } }
    expect(body.error.code).toBe('invalid_field')
    const toast = page.locator('.el-message--error').first()
    await toast.waitFor()
    const shown = byTestId(page, 'api-error')
    await poll(() => shown.locator(':scope > div').first().innerText()).toMatch(/^「.+」填写有误，请检查后重新提交$/)
    // The English is kept for support, folded away under 详情.
    await expect(shown.locator('details > summary').innerText()).resolves.toBe('详情')
    expect(await shown.locator('details').getAttribute('open')).toBeNull()
    expect(await shown.locator('details > div').textContent()).toContain(body.error.message)
    await shot(page, 'errors-01-users-invalid-field')
    await page.context().close()
  })

  it('shows an export the server refuses (a unit outside the scope) in Chinese, and saves no file', async () => {
    const page = await newPage(browser)
    await login(page, 'hosp1')
    const units = await apiGet<{ items: { id: string; name: string }[] }>(page, `/api/v1/public/units?q=${encodeURIComponent('市中医院')}`)
    const other = units.body.items.find((u) => u.name === '市中医院')
    expect(other, 'demo unit 市中医院').toBeTruthy()
    // The page offers only hosp1's own units; ask the server for another unit's export, as a
    // stale or edited link would, and let the real server answer.
    await page.route('**/api/v1/case-reports/stats.xlsx*', (route) => {
      const u = new URL(route.request().url())
      u.searchParams.set('node', other!.id)
      return route.continue({ url: u.toString() })
    })
    let saved = false
    page.on('download', () => (saved = true))
    await page.goto('/case-stats')
    const answer = page.waitForResponse((r) => r.url().includes('/api/v1/case-reports/stats.xlsx'))
    await byTestId(page, 'stats-export').click()
    expect((await answer).status()).toBe(403)
    const shown = byTestId(page, 'api-error')
    await poll(() => shown.locator(':scope > div').first().innerText()).toBe('您没有权限执行此操作')
    expect(await shown.locator('details > div').textContent()).toContain('outside your scope')
    await poll(() => byTestId(page, 'stats-export').getAttribute('class')).not.toContain('is-loading')
    expect(saved).toBe(false)
    await shot(page, 'errors-02-export-refused')
    await page.context().close()
  })
})
