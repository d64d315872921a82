// Errors as a person sees them: every page reports a failed request through the one showError
// (web/src/shared/showError.ts) — the Chinese sentence for the server's error code, naming the
// field, with the server's own English words only under a collapsed 详情 for support.
// Needs a running demo server (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { BASE, byTestId, launch, login, newPage, poll, shot } from './helpers'

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
})
