// Editing in the organisation pages (web/src/modules/org): an edit sends only the fields that
// changed, and the page shows the new value. Needs a running demo server (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page, Request } from 'playwright-core'
import { BASE, apiGet, apiPost, byTestId, inputOf, launch, login, newPage, poll, submitDialog, uniqueStamp } from './helpers'

const stamp = uniqueStamp().toUpperCase()
let browser: Browser
let page: Page

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one or set MANYI_URL`)
  }
  browser = await launch()
  page = await newPage(browser)
  await login(page, 'hosp1')
})
afterAll(async () => {
  await browser?.close()
})

/** The JSON body of the next PATCH to a URL containing `part`. */
function nextPatch(part: string): Promise<unknown> {
  return page.waitForRequest((r: Request) => r.method() === 'PATCH' && r.url().includes(part)).then((r) => r.postDataJSON())
}

describe('org edits', () => {
  it('changes a staff member’s title and sends only the title', async () => {
    const some = await apiGet<{ items: { node_id: string }[] }>(page, '/api/v1/staff?limit=1')
    const empNo = `ORG${stamp}`
    const made = await apiPost<{ id: string }>(page, '/api/v1/staff', { employee_no: empNo, name: '编辑测试', category: 'nurse', title: '护师', node_id: some.body.items[0].node_id })
    expect(made.status).toBe(201)
    await page.goto('/staff')
    await inputOf(page, 'staff-filter-q').fill(empNo)
    await byTestId(page, 'staff-search').click()
    await byTestId(page, `staff-edit-${empNo}`).click()
    await inputOf(page, 'staff-form-title').fill('主管护师')
    const body = nextPatch(`/api/v1/staff/${made.body.id}`)
    await submitDialog(page, 'staff-form-submit', 'staff-dialog')
    expect(await body).toEqual({ title: '主管护师' })
    const row = byTestId(page, 'staff-table').locator('.el-table__body tr', { hasText: empNo })
    await poll(() => row.innerText()).toContain('主管护师')
  })

  it('renames a department and sends only the name', async () => {
    const me = await apiGet<{ user: { grants: { node_id: string }[] } }>(page, '/api/v1/me')
    const unit = me.body.user.grants[0].node_id
    const made = await apiPost<{ id: string; code: string }>(page, '/api/v1/org/nodes', { parent_id: unit, kind: 'department', code: `org-${stamp}`, name: `改名前${stamp}` })
    expect(made.status).toBe(201)
    await page.goto('/org')
    await inputOf(page, 'org-search').fill(`改名前${stamp}`)
    await byTestId(page, 'org-search-btn').click()
    await byTestId(page, 'org-search-results').locator('.result').first().click()
    await poll(() => byTestId(page, 'org-detail-name').innerText()).toBe(`改名前${stamp}`)
    await byTestId(page, 'org-edit').click()
    await inputOf(page, 'org-edit-name').fill(`改名后${stamp}`)
    const body = nextPatch(`/api/v1/org/nodes/${made.body.id}`)
    await byTestId(page, 'org-edit-submit').click()
    expect(await body).toEqual({ name: `改名后${stamp}` })
    await poll(() => byTestId(page, 'org-detail-name').innerText()).toBe(`改名后${stamp}`)
    expect(await byTestId(page, 'org-detail-code').innerText()).toBe(made.body.code)
  })
})
