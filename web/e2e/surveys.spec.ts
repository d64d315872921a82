// Survey templates, points and posters as people use them (issue 10, item 17): the template
// editor asks before unsaved changes are lost and shows labels, never item codes; one survey is
// attached to all windows of a department in one action; the points page, the QR dialog and the
// posters warn loudly while the QR address is not set (or is an intranet one) and the bureau sets
// it once; 本单位 prints the whole unit; a staff member's poster carries 职称 and 工号; the
// picker shows one pair of brackets; the rating drawer shows the level in words and the score
// as "N 分（满分 100 分）". Every test leaves the demo data as it found it.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { answerMessageBox, apiGet, apiSend, byTestId, inputOf, launch, login, newPage, newPhonePage, openSelect, pickNode, pickOption, poll, shot } from './helpers'

interface Template {
  id: string
  code: string
  name: string
  current_version: number
}
interface PointBody {
  id: string
  code: string
  name: string
  node_name: string
  unit_name: string
  staff_name: string
  template_id: string
  template_name: string
  template_version: number
  active: boolean
}

let browser: Browser
let hosp: Page
const stamp = randomBytes(3).toString('hex')

async function shippedTemplate(page: Page, code: string): Promise<Template> {
  const r = await apiGet<{ items: Template[] }>(page, '/api/v1/forms/templates?kind=survey')
  const t = r.body.items.find((x) => x.code === code)
  expect(t, code).toBeTruthy()
  return t!
}

/** A copy of a shipped survey owned by 市第一人民医院 (a copy starts as its v1). */
async function copyTemplate(page: Page, code: string, name: string): Promise<Template> {
  const src = await shippedTemplate(page, code)
  const nodeId = (await apiGet<{ user: { grants: { node_id: string }[] } }>(page, '/api/v1/me')).body.user.grants[0].node_id // hosp1: 市第一人民医院
  const c = await apiSend<Template>(page, 'POST', `/api/v1/forms/templates/${src.id}/copy`, { node_id: nodeId, name })
  expect(c.status, JSON.stringify(c.body)).toBe(201)
  return c.body
}

beforeAll(async () => {
  browser = await launch()
  hosp = await newPage(browser)
  await login(hosp, 'hosp1')
})

afterAll(async () => {
  await browser?.close()
})

describe('survey templates, points and posters', () => {
  it('asks before leaving the template editor with unsaved changes and shows no item codes', async () => {
    const tpl = await copyTemplate(hosp, 'outpatient', `门诊未保存E2E${stamp}`)
    const draft = (await apiGet<{ draft: { sections: { items: { id: string; options?: { value: string }[] }[] }[] } }>(hosp, `/api/v1/forms/templates/${tpl.id}`)).body.draft
    await hosp.goto(`/sat-templates/${tpl.id}`)
    await poll(() => byTestId(hosp, 'editor-title').innerText()).toBe(tpl.name)
    await poll(() => byTestId(hosp, 'editor-version').innerText()).toBe('当前版本 v1')
    // Labels only: no item code (attitude, skill, red_envelope …) or option value anywhere.
    const text = await hosp.locator('.editor-grid').innerText()
    const codes = draft.sections.flatMap((s) => s.items.flatMap((i) => [i.id, ...(i.options ?? []).map((o) => o.value)]))
    expect(codes.length).toBeGreaterThan(5)
    for (const c of codes) expect(text, c).not.toMatch(new RegExp(`(^|\\s)${c}(\\s|$)`))
    expect(await hosp.locator('.editor-grid input').evaluateAll((els, cs) => els.filter((e) => cs.includes((e as HTMLInputElement).value)).length, codes)).toBe(0)
    await shot(hosp, 'surveys-01-editor-labels')

    // An edit, then the back button: asked; staying keeps the edit.
    const name = inputOf(hosp, 'editor-name')
    await name.click()
    await hosp.keyboard.type('改')
    await byTestId(hosp, 'editor-draft-state').waitFor()
    await hosp.getByRole('button', { name: '返回' }).click()
    const box = hosp.locator('.el-message-box:visible')
    await poll(() => box.innerText()).toContain('离开后这些修改将丢失')
    await shot(hosp, 'surveys-02-editor-leave-prompt')
    expect(await answerMessageBox(hosp, false)).toContain('有未保存的修改')
    expect(new URL(hosp.url()).pathname).toBe(`/sat-templates/${tpl.id}`)
    expect(await name.inputValue()).toBe(`${tpl.name}改`)

    // Closing or reloading the tab: the browser's own question (beforeunload).
    let asked = ''
    const onDialog = (d: import('playwright-core').Dialog) => {
      asked = d.type()
      d.dismiss().catch(() => undefined)
    }
    hosp.on('dialog', onDialog)
    await hosp.close({ runBeforeUnload: true })
    await poll(() => asked).toBe('beforeunload')
    expect(hosp.isClosed()).toBe(false)
    hosp.off('dialog', onDialog)

    // Confirming the question leaves without saving (a fresh load of the editor first; should
    // the browser ask again on this navigation, the answer is "leave").
    const leave = (d: import('playwright-core').Dialog) => void d.accept().catch(() => undefined)
    hosp.on('dialog', leave)
    await hosp.goto(`/sat-templates/${tpl.id}`)
    hosp.off('dialog', leave)
    await poll(() => byTestId(hosp, 'editor-title').innerText()).toBe(tpl.name)
    await inputOf(hosp, 'editor-name').click()
    await hosp.keyboard.type('再改')
    await hosp.getByRole('button', { name: '返回' }).click()
    await answerMessageBox(hosp, true)
    await hosp.waitForURL('**/sat-templates')
    const saved = await apiGet<{ draft: { name: string } }>(hosp, `/api/v1/forms/templates/${tpl.id}`)
    expect(saved.body.draft.name).toBe(tpl.name)
    // Saved changes leave without a question.
    await hosp.goto(`/sat-templates/${tpl.id}`)
    await poll(() => byTestId(hosp, 'editor-title').innerText()).toBe(tpl.name)
    await hosp.getByRole('button', { name: '返回' }).click()
    await hosp.waitForURL('**/sat-templates')
    // The list names every survey's version.
    await poll(() => byTestId(hosp, 'templates-table').innerText()).toMatch(/v\d+/)
  })

  it('attaches one survey to all windows of a department in one action', async () => {
    const shipped = await shippedTemplate(hosp, 'window')
    const tpl = await copyTemplate(hosp, 'window', `窗口批量E2E${stamp}`)
    const sfc = (await apiGet<{ items: PointBody[] }>(hosp, '/api/v1/points?limit=500')).body.items.filter((p) => p.unit_name === '市第一人民医院' && /^收费窗口/.test(p.node_name))
    expect(sfc.length).toBeGreaterThan(1)
    await hosp.goto('/sat-points')
    await byTestId(hosp, 'points-table').locator('.el-table__body tr').first().waitFor()
    await byTestId(hosp, 'points-attach').click()
    await byTestId(hosp, 'point-attach-dialog').waitFor()
    await pickNode(hosp, 'point-attach-node', ['市第一人民医院'], '收费处')
    await byTestId(hosp, 'point-attach-kind-point').click()
    await pickOption(hosp, 'point-attach-template', `${tpl.name} v1`)
    await shot(hosp, 'surveys-03-attach-dialog')
    await byTestId(hosp, 'point-attach-submit').click()
    expect(await answerMessageBox(hosp, true)).toContain(`「${tpl.name}」`)
    await poll(() => hosp.locator('.el-message').allInnerTexts()).toContain(`已更换 ${sfc.length} 个评价点的问卷`)
    // The list shows the new survey with its version on each window.
    await pickNode(hosp, 'points-node', ['市第一人民医院'], '收费处')
    await byTestId(hosp, 'points-search').click()
    for (const p of sfc) await poll(() => byTestId(hosp, 'point-template-name-' + p.code).innerText()).toBe(`${tpl.name} v1`)
    await shot(hosp, 'surveys-04-attached')
    // Put the shipped survey back for the other tests.
    for (const p of sfc) expect((await apiSend(hosp, 'PATCH', `/api/v1/points/${p.id}`, { template_id: shipped.id })).status).toBe(200)
  })

  it('warns loudly while the QR address is not set, and the bureau sets it once', async () => {
    const bureau = await newPage(browser)
    await login(bureau, 'bureau')
    expect((await apiSend(bureau, 'PUT', '/api/v1/settings/public-url', { url: '' })).status).toBe(200)
    try {
      // A hospital admin: a red banner on the page, in the QR dialog and on the printed poster.
      await hosp.goto('/sat-points')
      const banner = byTestId(hosp, 'points-address-warning')
      await poll(() => banner.innerText()).toContain('尚未设置二维码公网地址')
      expect(await banner.innerText()).toContain('127.0.0.1')
      expect(await banner.innerText()).toContain('请联系卫健局管理员设置')
      expect(await byTestId(hosp, 'points-address-edit').count()).toBe(0)
      await shot(hosp, 'surveys-05-address-warning')
      const first = byTestId(hosp, 'points-table').locator('.el-table__body tr').first()
      await first.waitFor()
      await first.locator('[data-testid^="point-qr-"]').first().click()
      await poll(() => byTestId(hosp, 'point-qr-warning').innerText()).toContain('患者手机很可能无法打开')
      await shot(hosp, 'surveys-06-qr-warning')
      await hosp.keyboard.press('Escape')
      const pts = (await apiGet<{ items: PointBody[] }>(hosp, '/api/v1/points?limit=5')).body.items
      const poster = await hosp.context().newPage()
      await poster.goto(`/api/v1/points/${pts[0].id}/poster`)
      await poll(() => poster.locator('.poster .warn').first().innerText()).toContain('尚未设置二维码公网地址')
      expect(await poster.locator('.poster .warn').first().isVisible()).toBe(true)
      await poster.emulateMedia({ media: 'print' })
      expect(await poster.locator('.poster .warn').first().isVisible()).toBe(true)
      await shot(poster, 'surveys-07-poster-warning')

      // The bureau admin sets the public address on the same page.
      await bureau.goto('/sat-points')
      await poll(() => byTestId(bureau, 'points-address-warning').innerText()).toContain('尚未设置')
      await byTestId(bureau, 'points-address-edit').click()
      await inputOf(bureau, 'point-address-input').fill('https://manyi.example.gov.cn/')
      await byTestId(bureau, 'point-address-submit').click()
      await poll(() => byTestId(bureau, 'points-address').innerText()).toContain('https://manyi.example.gov.cn')
      expect(await byTestId(bureau, 'points-address-warning').count()).toBe(0)
      await shot(bureau, 'surveys-08-address-set')
      await poster.emulateMedia({ media: 'screen' })
      await poster.reload()
      await poll(() => poster.locator('.poster .code').first().innerText()).toContain(`https://manyi.example.gov.cn/f/${pts[0].code}`)
      expect(await poster.locator('.warn').count()).toBe(0)
      // An intranet address is kept, with its own warning.
      await byTestId(bureau, 'points-address-edit').click()
      await inputOf(bureau, 'point-address-input').fill('http://192.168.1.20:8080')
      await byTestId(bureau, 'point-address-submit').click()
      await poll(() => byTestId(bureau, 'points-address-warning').innerText()).toContain('内网地址')
      await poster.reload()
      await poll(() => poster.locator('.poster .warn').first().innerText()).toContain('192.168.1.20')
      await poster.close()
    } finally {
      await apiSend(bureau, 'PUT', '/api/v1/settings/public-url', { url: '' })
      await bureau.close()
    }
  })

  it('prints the whole unit under 本单位 and a staff poster with 职称 and 工号', async () => {
    // 本单位 while the list is filtered to one department: every department's posters.
    await hosp.goto('/sat-points')
    await pickNode(hosp, 'points-node', ['市第一人民医院'], '眼科')
    await byTestId(hosp, 'points-search').click()
    await byTestId(hosp, 'points-print-filtered').waitFor()
    const [unitPage] = await Promise.all([hosp.context().waitForEvent('page'), byTestId(hosp, 'points-print-all').click()])
    await unitPage.waitForLoadState()
    await poll(() => unitPage.title()).toMatch(/^市第一人民医院 评价二维码/)
    const units = await unitPage.locator('.poster .point').allInnerTexts()
    expect(units).toContain('内科')
    expect(units).toContain('眼科')
    await unitPage.close()
    const [filtered] = await Promise.all([hosp.context().waitForEvent('page'), byTestId(hosp, 'points-print-filtered').click()])
    await filtered.waitForLoadState()
    await poll(() => filtered.title()).toMatch(/^眼科 评价二维码/)
    expect(await filtered.locator('.poster .point').allInnerTexts()).not.toContain('内科')
    await filtered.close()

    // A staff member's point and poster.
    const nk = (await apiGet<{ items: (PointBody & { node_id: string })[] }>(hosp, '/api/v1/points?limit=500')).body.items.find(
      (p) => p.unit_name === '市第一人民医院' && p.node_name === '内科',
    )!
    const staff = (await apiGet<{ items: { id: string; name: string; title: string; employee_no: string }[] }>(hosp, `/api/v1/staff?node=${nk.node_id}&limit=50`)).body.items.find((s) => s.title)
    expect(staff, 'a 内科 staff member with a title').toBeTruthy()
    const made = await apiSend<PointBody>(hosp, 'POST', '/api/v1/points', { staff_id: staff!.id, allow_duplicate: true })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    const poster = await hosp.context().newPage()
    await poster.goto(`/api/v1/points/${made.body.id}/poster`)
    const line = poster.locator('.poster .staff')
    await poll(() => line.innerText()).toContain(`职称：${staff!.title}`)
    expect(await line.innerText()).toContain(`工号：${staff!.employee_no}`)
    // The point's name says who (孙涛（内科）); the line adds what it does not.
    expect(await poster.locator('.poster .point').innerText()).toBe(`${staff!.name}（内科）`)
    expect(await line.innerText()).not.toContain(staff!.name)
    await shot(poster, 'surveys-09-staff-poster')
    await poster.close()

    // The console entry picker: one readable label, no doubled brackets.
    await hosp.goto('/sat-entry')
    await pickNode(hosp, 'entry-node', ['市第一人民医院'], '内科')
    await byTestId(hosp, 'entry-point').click()
    const option = hosp.locator(`[data-testid="entry-point-option-${made.body.code}"]:visible`)
    await poll(() => option.innerText()).toBe(`${staff!.name}（内科） · ${made.body.template_name} v${made.body.template_version}`)
    const all = await hosp.locator('.el-select-dropdown__item:visible').allInnerTexts()
    expect(all.length).toBeGreaterThan(1)
    for (const o of all) expect(o).not.toMatch(/）（/)
    await shot(hosp, 'surveys-10-picker')
    await hosp.keyboard.press('Escape')
    await apiSend(hosp, 'PATCH', `/api/v1/points/${made.body.id}`, { active: false })
  })

  it('shows the distribution of a new single-choice question and the survey version on the dashboard', async () => {
    const tpl = await copyTemplate(hosp, 'outpatient', `门诊分题E2E${stamp}`)
    const full = await apiGet<{ draft: { sections: { items: unknown[] }[] } }>(hosp, `/api/v1/forms/templates/${tpl.id}`)
    const def = full.body.draft
    const label = `您是怎样找到诊室的${stamp}`
    def.sections[0].items.push({ id: 'found', type: 'single', label, options: [{ value: 'sign', label: '看指示牌' }, { value: 'ask', label: '问导诊' }] })
    expect((await apiSend(hosp, 'PUT', `/api/v1/forms/templates/${tpl.id}/draft`, { definition: def })).status).toBe(200)
    expect((await apiSend(hosp, 'POST', `/api/v1/forms/templates/${tpl.id}/publish`)).status).toBe(201)
    const nk = (await apiGet<{ items: (PointBody & { node_id: string })[] }>(hosp, '/api/v1/points?limit=500')).body.items.find(
      (p) => p.unit_name === '市第一人民医院' && p.node_name === '内科',
    )!
    const made = await apiSend<PointBody>(hosp, 'POST', '/api/v1/points', { node_id: nk.node_id, template_id: tpl.id, name: `内科分题E2E${stamp}` })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    for (const [i, pick] of ['sign', 'sign', 'ask'].entries()) {
      const r = await hosp.request.post('/api/v1/public/ratings', {
        data: { point: made.body.code, overall: 4, answers: { found: pick }, device: `e2e-q-${stamp}-${i}`, elapsed_ms: 15000 },
      })
      expect(r.status(), await r.text()).toBe(201)
    }
    await hosp.goto('/satisfaction')
    await byTestId(hosp, 'kpi-n-value').waitFor()
    // The one survey on screen (the patient survey by default) has its questions shown at once.
    await byTestId(hosp, 'dash-questions').locator('[data-testid="dash-question"]').first().waitFor()
    await openSelect(hosp, 'dash-template')
    await hosp.locator('.el-select-dropdown__item:visible', { hasText: /^\s*门诊患者满意度 v\d+\s*$/ }).first().click()
    await hosp.locator('.el-select-dropdown__item:visible', { hasText: `${tpl.name} v2` }).first().click()
    await hosp.keyboard.press('Escape')
    await byTestId(hosp, 'dash-search').click()
    await poll(() => byTestId(hosp, 'dash-template-version').innerText()).toBe(`问卷：${tpl.name}（当前版本 v2）`)
    const q = byTestId(hosp, 'dash-questions').locator('[data-testid="dash-question"]').filter({ hasText: label })
    await poll(() => q.innerText()).toContain('看指示牌')
    const text = await q.innerText()
    expect(text).toContain('作答 3 人')
    expect(text).toMatch(/看指示牌\s*2（66\.7%）/)
    expect(text).toMatch(/问导诊\s*1（33\.3%）/)
    expect(text).not.toContain('found')
    await poll(() => byTestId(hosp, 'dash-questions-versions').innerText()).toContain('v2（3）')
    await q.scrollIntoViewIfNeeded()
    await shot(hosp, 'surveys-13-question-figures')
    await apiSend(hosp, 'PATCH', `/api/v1/points/${made.body.id}`, { active: false })
  })

  it('shows the rating level in words and the survey score on its scale', async () => {
    // A demo rating: the newest comments may all be other browser tests' bare ratings (the
    // Wi-Fi farm tests post a few dozen), which have no survey score.
    const list = await apiGet<{ items: { id: string }[] }>(hosp, '/api/v1/ratings/comments?limit=200')
    let id = ''
    for (const r of list.body.items) {
      const d = await apiGet<{ score: number | null }>(hosp, `/api/v1/ratings/${r.id}`)
      if (d.body.score !== null) {
        id = r.id
        break
      }
    }
    expect(id, 'a rating with a survey score').not.toBe('')
    for (const page of [hosp, await newPhonePage(browser)]) {
      if (page !== hosp) await login(page, 'hosp1')
      await page.goto('/sat-comments')
      await byTestId(page, 'comment-detail-' + id).click()
      const drawer = byTestId(page, 'comment-drawer')
      await poll(() => byTestId(page, 'rating-detail-level').innerText()).toMatch(/^(非常满意|满意|基本满意|不满意|非常不满意)$/)
      await poll(() => byTestId(page, 'rating-detail-score').innerText()).toMatch(/^\d+(\.\d)? 分（满分 100 分）$/)
      expect(await drawer.innerText()).not.toMatch(/满意\s*·\s*\d/)
      await shot(page, page === hosp ? 'surveys-11-rating-drawer' : 'surveys-12-rating-drawer-phone')
      if (page !== hosp) await page.close()
    }
  })
})
