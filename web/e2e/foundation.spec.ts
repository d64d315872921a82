// Foundation scenario: org tree, staff, users & roles, language switch, and the
// isolation of one hospital from another. Needs a running server with demo data:
//   ./build/manyi --db sqlite:/tmp/e2e.db demo
//   ./build/manyi --db sqlite:/tmp/e2e.db serve --listen 127.0.0.1:18080 --web web/dist
//   MANYI_URL=http://127.0.0.1:18080 npm run e2e
// Each run adds uniquely named records, so it can be repeated on the same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { ancestorNames, apiGet, BASE, byTestId, expandPath, inputOf, launch, login, logout, newPage, pickNode, pickOption, poll, shot, submitDialog, treeRow, type NodeInfo, uniqueStamp } from './helpers'

interface UserRow {
  id: string
  username: string
  grants: { id: string; role: string; node_id: string; node_name: string }[]
}

const stamp = uniqueStamp()
let browser: Browser
let page: Page

// Discovered from the API as the bureau admin, not hard-coded.
let inst1: NodeInfo // hosp1's institution (市第一人民医院)
let inst2: NodeInfo // hosp2's institution (市中医院)
let newDept: NodeInfo

async function institutionOf(username: string): Promise<NodeInfo> {
  const r = await apiGet<{ items: UserRow[] }>(page, `/api/v1/users?q=${encodeURIComponent(username)}`)
  expect(r.status).toBe(200)
  const u = r.body.items.find((x) => x.username === username)
  expect(u, `demo user ${username}`).toBeTruthy()
  const g = u!.grants.find((x) => x.role === 'unit_admin') ?? u!.grants[0]
  const n = await apiGet<NodeInfo>(page, `/api/v1/org/nodes/${g.node_id}`)
  expect(n.status).toBe(200)
  return n.body
}

beforeAll(async () => {
  try {
    await fetch(`${BASE}/api/v1/me`)
  } catch {
    throw new Error(`no manyi server at ${BASE}: start one (see the top of this file) or set MANYI_URL`)
  }
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('foundation', () => {
  it('rejects a wrong password with the API message', async () => {
    page = await newPage(browser)
    await page.goto('/login')
    await poll(() => page.title()).toContain('满意')
    await inputOf(page, 'login-username').fill('bureau')
    await inputOf(page, 'login-password').fill('wrong-password')
    await byTestId(page, 'login-submit').click()
    await byTestId(page, 'login-error').waitFor()
    expect((await byTestId(page, 'login-error').innerText()).trim().length).toBeGreaterThan(0)
    expect(new URL(page.url()).pathname).toBe('/login')
    await shot(page, '01-login-error')
    await page.context().close()
  })

  it('bureau admin signs in and sees the console', async () => {
    page = await newPage(browser)
    await login(page, 'bureau')
    await poll(() => byTestId(page, 'product-name').innerText()).toContain('满意 · 服务质量改进平台')
    for (const m of ['org', 'staff', 'users', 'audit']) await byTestId(page, `menu-${m}`).waitFor()
    await poll(() => byTestId(page, 'current-roles').innerText()).toContain('卫健局管理员')
    await shot(page, '02-home-bureau')
    inst1 = await institutionOf('hosp1')
    inst2 = await institutionOf('hosp2')
    expect(inst1.id).not.toBe(inst2.id)
  })

  it('shows both hospitals in the org tree and adds a department', async () => {
    await byTestId(page, 'menu-org').click()
    await page.waitForURL('**/org')
    const tree = byTestId(page, 'org-tree')
    // hosp2's institution is visible to the bureau in the tree
    await expandPath(tree, ancestorNames(inst2))
    await treeRow(tree, inst2.name).waitFor()
    // select hosp1's institution through the search box
    await inputOf(page, 'org-search').fill(inst1.name)
    await byTestId(page, 'org-search-btn').click()
    const results = byTestId(page, 'org-search-results')
    await results.locator('.result', { hasText: inst1.name }).first().click()
    await poll(() => byTestId(page, 'org-detail').innerText()).toContain(inst1.name)
    await shot(page, '03-org-tree-bureau')

    const name = `质量管理科${stamp}`
    await byTestId(page, 'org-add-child').click()
    await inputOf(page, 'org-add-code').fill(`e2e-${stamp}`)
    await inputOf(page, 'org-add-name').fill(name)
    await shot(page, '04-org-add-dialog')
    await submitDialog(page, 'org-add-submit', 'org-add-dialog')
    await poll(() => byTestId(page, 'org-detail-name').innerText()).toBe(name)
    await poll(() => byTestId(page, 'org-detail').innerText()).toContain('科室')

    const kids = await apiGet<{ items: NodeInfo[] }>(page, `/api/v1/org/nodes?parent=${inst1.id}`)
    const found = kids.body.items.find((n) => n.name === name)
    expect(found?.kind).toBe('department')
    newDept = (await apiGet<NodeInfo>(page, `/api/v1/org/nodes/${found!.id}`)).body
  })

  it('adds a staff member to the new department', async () => {
    await byTestId(page, 'menu-staff').click()
    await page.waitForURL('**/staff')
    await byTestId(page, 'staff-table').waitFor()
    await shot(page, '05-staff-list')
    const empNo = `E2E${stamp}`.toUpperCase()
    await byTestId(page, 'staff-add').click()
    await inputOf(page, 'staff-form-employee-no').fill(empNo)
    await inputOf(page, 'staff-form-name').fill('测试医师')
    await pickOption(page, 'staff-form-category', '护士')
    await inputOf(page, 'staff-form-title').fill('主管护师')
    await pickNode(page, 'staff-form-node', ancestorNames(newDept), newDept.name)
    await shot(page, '06-staff-add-dialog')
    await submitDialog(page, 'staff-form-submit', 'staff-dialog')

    await inputOf(page, 'staff-filter-q').fill(empNo)
    await byTestId(page, 'staff-search').click()
    const row = byTestId(page, 'staff-table').locator('.el-table__body tr', { hasText: empNo })
    await row.waitFor()
    const text = await row.innerText()
    expect(text).toContain('测试医师')
    expect(text).toContain('护士')
    expect(text).toContain(newDept.name)
  })

  it('imports staff from CSV and reports row errors', async () => {
    const good = `I${stamp}`.toUpperCase()
    const csv = [
      'employee_no,name,category,title,node_code',
      `${good},导入护士,nurse,护师,${newDept.code}`,
      `${good}X,错误类别,surgeon,医师,${newDept.code}`,
    ].join('\n')
    await byTestId(page, 'staff-import').click()
    await page
      .locator('[data-testid="staff-import-file"] input[type=file]')
      .setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') })
    // all or nothing: the bad row blocks the good one
    await byTestId(page, 'staff-import-submit').click()
    const errors = byTestId(page, 'staff-import-errors')
    await errors.locator('.el-table__body tr').first().waitFor()
    expect(await errors.locator('.el-table__body tr').count()).toBe(1)
    await poll(() => errors.innerText()).toContain('「类别」的值「surgeon」无法识别')
    expect(await byTestId(page, 'staff-import-result').innerText()).not.toContain('成功导入 1')
    await shot(page, '12-staff-import-errors')
    // valid rows only: the good row goes in
    await byTestId(page, 'staff-import-mode').locator('label', { hasText: '仅导入有效行' }).click()
    await byTestId(page, 'staff-import-submit').click()
    await poll(() => byTestId(page, 'staff-import-result').innerText()).toContain('成功导入 1')
    await page.keyboard.press('Escape')
    await byTestId(page, 'staff-import-dialog').waitFor({ state: 'hidden' })
    await inputOf(page, 'staff-filter-q').fill(good)
    await byTestId(page, 'staff-search').click()
    await byTestId(page, 'staff-table').locator('.el-table__body tr', { hasText: '导入护士' }).waitFor()
  })

  it('adds a user and grants a role on hosp1', async () => {
    await byTestId(page, 'menu-users').click()
    await page.waitForURL('**/users')
    await byTestId(page, 'users-table').waitFor()
    const username = `e2e_${stamp}`
    await byTestId(page, 'users-add').click()
    await inputOf(page, 'user-form-username').fill(username)
    await inputOf(page, 'user-form-display-name').fill('测试受理员')
    await inputOf(page, 'user-form-password').fill('E2e-pass-123456')
    await submitDialog(page, 'user-form-submit', 'user-add-dialog')

    await inputOf(page, 'users-filter-q').fill(username)
    await byTestId(page, 'users-search').click()
    await byTestId(page, 'users-table').locator('.el-table__body tr', { hasText: username }).waitFor()
    await byTestId(page, `user-grant-${username}`).click()
    await pickOption(page, 'grant-role', '投诉受理员')
    await pickNode(page, 'grant-node', ancestorNames(inst1), inst1.name)
    await shot(page, '07-grant-dialog')
    await submitDialog(page, 'grant-submit', 'user-grant-dialog')
    const tag = byTestId(page, `grant-${username}-handler`)
    await tag.waitFor()
    await poll(() => tag.innerText()).toContain(`投诉受理员@${inst1.name}`)
    await shot(page, '08-users')
  })

  it('makes a new user change the password at first sign-in', async () => {
    const other = await newPage(browser)
    await other.goto('/login')
    await inputOf(other, 'login-username').fill(`e2e_${stamp}`)
    await inputOf(other, 'login-password').fill('E2e-pass-123456')
    await byTestId(other, 'login-submit').click()
    await other.waitForURL('**/password')
    await byTestId(other, 'must-change-hint').waitFor()
    // menu pages stay closed until the password is changed
    await other.goto('/staff')
    await other.waitForURL('**/password')
    await inputOf(other, 'pw-old').fill('E2e-pass-123456')
    await inputOf(other, 'pw-new').fill('E2e-new-pass-7890')
    await inputOf(other, 'pw-confirm').fill('E2e-new-pass-7890')
    await shot(other, '09a-change-password')
    await byTestId(other, 'pw-submit').click()
    await other.waitForURL((u) => u.pathname === '/')
    await poll(() => byTestId(other, 'welcome').innerText()).toContain('测试受理员')
    await other.context().close()
  })

  it('shows the audit log', async () => {
    await byTestId(page, 'menu-audit').click()
    await page.waitForURL('**/audit')
    const rows = byTestId(page, 'audit-table').locator('.el-table__body tr')
    await rows.first().waitFor()
    expect(await rows.count()).toBeGreaterThan(0)
    await shot(page, '09-audit')
  })

  it('switches to English', async () => {
    await byTestId(page, 'lang-switch').click()
    await byTestId(page, 'lang-en').click()
    await poll(() => byTestId(page, 'side-menu').innerText()).toContain('Organization')
    const menu = await byTestId(page, 'side-menu').innerText()
    for (const label of ['Staff', 'Users & roles', 'Audit log']) expect(menu).toContain(label)
    await poll(() => byTestId(page, 'logout').innerText()).toContain('Log out')
    await poll(() => byTestId(page, 'current-roles').innerText()).toContain('Bureau admin')
    expect(await page.evaluate(() => localStorage.getItem('manyi.lang'))).toBe('en')
    await byTestId(page, 'menu-org').click()
    await poll(() => page.locator('body').innerText()).toContain('Organization tree')
    await shot(page, '10-english')
    await page.reload()
    await poll(() => byTestId(page, 'side-menu').innerText()).toContain('Organization')
    // back to Chinese for the rest
    await byTestId(page, 'lang-switch').click()
    await byTestId(page, 'lang-zh-CN').click()
    await poll(() => byTestId(page, 'side-menu').innerText()).toContain('组织机构')
    await logout(page)
    await page.context().close()
  })

  it('hosp1 cannot see the other hospital', async () => {
    page = await newPage(browser)
    await login(page, 'hosp1')
    await byTestId(page, 'menu-org').click()
    await page.waitForURL('**/org')
    const tree = byTestId(page, 'org-tree')
    await treeRow(tree, inst1.name).waitFor()
    await expandPath(tree, [inst1.name])
    await treeRow(tree, newDept.name).waitFor()
    expect(await tree.innerText()).not.toContain(inst2.name)

    await inputOf(page, 'org-search').fill(inst2.name)
    await byTestId(page, 'org-search-btn').click()
    const results = byTestId(page, 'org-search-results')
    await results.waitFor()
    expect(await results.innerText()).not.toContain(inst2.name)
    await shot(page, '11-org-tree-hosp1')

    const direct = await apiGet(page, `/api/v1/org/nodes/${inst2.id}`)
    expect([403, 404]).toContain(direct.status)
    const kids = await apiGet(page, `/api/v1/org/nodes?parent=${inst2.id}`)
    expect([403, 404]).toContain(kids.status)

    // the staff list holds no one from the other hospital
    const staff = await apiGet<{ items: { node_name: string }[] }>(page, `/api/v1/staff?node=${inst2.id}&limit=50`)
    if (staff.status === 200) expect(staff.body.items).toHaveLength(0)
    else expect([403, 404]).toContain(staff.status)
    await page.context().close()
  })
})
