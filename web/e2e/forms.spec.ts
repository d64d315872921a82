// The forms module (issue 12, item 3): a hospital's quality staff (hosp1) fills in the shipped
// checklist 窗口服务规范检查 on a phone at 390×844 — deductions counted per occurrence, one item
// 不适用, a note and a photo — submits it and sees the score, the grade and every item's points and reason;
// the stored result opens from the results list. The bureau sees the checklist's scoring rules
// in the form editor. A hospital copies the shipped 环境卫生检查, changes an item's points and its
// deduction rule in the editor and publishes the copy as version 2 (desktop, then the copy at
// 390×844). Needs a running server with demo data (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { BASE, PHONE, answerMessageBox, apiGet, byTestId, inputOf, launch, login, newPage, newPhonePage, pickNode, shot, submitDialog, uniqueStamp } from './helpers'

let browser: Browser

// A real 8×8 PNG (red), so the browser can show it.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
  'base64',
)

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

async function expectFitsPhone(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300)
  const m = await page.evaluate(() => {
    const main = document.querySelector<HTMLElement>('.el-main')
    return { doc: document.documentElement.scrollWidth, mainOver: main ? main.scrollWidth - main.clientWidth : 0 }
  })
  expect(m.doc, `${name}: page width`).toBeLessThanOrEqual(PHONE.width)
  expect(m.mainOver, `${name}: the main area scrolls sideways by`).toBeLessThanOrEqual(0)
  await shot(page, `forms-phone-${name}`)
}

describe('forms: a checklist on a phone', () => {
  it('hosp1 fills in 窗口服务规范检查 at 390×844 and sees the result per item and the grade', async () => {
    const page = await newPhonePage(browser)
    try {
      await login(page, 'hosp1')
      await page.goto('/form-templates')
      await byTestId(page, 'form-fill-window-check').click()
      await page.waitForURL(/\/form-fill\//)
      await expect.poll(() => byTestId(page, 'fill-title').innerText()).toBe('窗口服务规范检查')
      await expectFitsPhone(page, 'fill-top')

      // Submitting with nothing answered names what is missing and stores nothing.
      await byTestId(page, 'fill-submit').click()
      await expect.poll(() => page.locator('.el-message').first().innerText()).toMatch(/必答项未填写/)

      await pickNode(page, 'fill-unit', ['市第一人民医院'], '内科')
      const subject = `门诊挂号收费窗口 ${uniqueStamp()}`
      await page.locator('[data-testid="fill-subject"] input, input[data-testid="fill-subject"]').first().fill(subject)
      // Counters start at nothing: every deduction item is answered by pressing + and −.
      for (const id of ['greet', 'mandarin', 'badge', 'guide', 'wait']) {
        await byTestId(page, `fill-plus-${id}`).click()
        await byTestId(page, `fill-minus-${id}`).click()
        await expect.poll(() => byTestId(page, `fill-count-${id}`).innerText()).toBe('0')
      }
      // 未使用普通话: 4 处 × 2 分 = 8, capped at 6.
      for (let i = 0; i < 4; i++) await byTestId(page, 'fill-plus-mandarin').click()
      await expect.poll(() => byTestId(page, 'fill-count-mandarin').innerText()).toBe('4')
      await page.locator('textarea[data-testid="fill-note-mandarin"], [data-testid="fill-note-mandarin"] textarea').first().fill('两名收费员使用方言')
      // A photo as evidence of that deduction, taken with the phone's camera (a file input).
      await byTestId(page, 'fill-photo-mandarin').locator('input[type="file"]').setInputFiles({ name: 'mandarin.png', mimeType: 'image/png', buffer: PNG })
      await byTestId(page, 'fill-thumb-mandarin').waitFor()
      // 老年人优先窗口: 不适用 (a window without that duty).
      await byTestId(page, 'fill-na-elderly').click()
      await byTestId(page, 'fill-option-notice-complete').click()
      await byTestId(page, 'fill-option-cash-yes').click()
      await byTestId(page, 'fill-option-quarrel-no').click()
      // The "必答" marks of the empty submission went as each item was answered.
      expect(await page.locator('.form-renderer .field-error').count()).toBe(0)
      await byTestId(page, 'fill-item-mandarin').scrollIntoViewIfNeeded()
      await expectFitsPhone(page, 'fill-answered')

      await byTestId(page, 'fill-submit').click()
      await answerMessageBox(page, true)
      await byTestId(page, 'form-result').waitFor()
      // 15 + 4 + 10 + 20 + 15 + 10 + 10 = 84 of 90 (不适用 leaves 10 out) → 93.33, 优秀.
      await expect.poll(() => byTestId(page, 'result-score').innerText()).toBe('93.33')
      expect(await byTestId(page, 'result-grade').innerText()).toBe('优秀')
      const mandarin = await byTestId(page, 'result-item-mandarin').innerText()
      expect(mandarin).toContain('4 / 10')
      expect(mandarin).toContain('扣 2 分 × 4 处，封顶 6 分')
      expect(mandarin).toContain('两名收费员使用方言')
      expect(await byTestId(page, 'result-item-elderly').innerText()).toContain('不适用')
      // The photo was stored with the item and shows beside it.
      await byTestId(page, 'result-photos-mandarin').locator('img').waitFor()
      expect(await byTestId(page, 'result-photos-mandarin').locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
      expect(await byTestId(page, 'result-findings').innerText()).toContain('1 项')
      await expectFitsPhone(page, 'result')

      // The stored result is in the list and opens with the same figures.
      await page.goto('/form-responses')
      await page.locator('[data-testid="form-responses"] .el-table__row', { hasText: subject }).first().click()
      await page.waitForURL(/\/form-responses\/\d+/)
      await expect.poll(() => byTestId(page, 'result-score').innerText()).toBe('93.33')
      await expectFitsPhone(page, 'stored')
    } finally {
      await page.context().close()
    }
  })

  it('the bureau sees the checklist scoring rules in the form editor (desktop)', async () => {
    const page = await newPage(browser)
    try {
      await login(page, 'bureau')
      await page.goto('/form-templates')
      await byTestId(page, 'form-edit-window-check').click()
      await byTestId(page, 'editor-scoring').waitFor()
      expect(await page.locator('[data-testid="editor-deduct-cap-mandarin"] input').inputValue()).toBe('6')
      expect(await page.locator('[data-testid="editor-na-elderly"]').first().getAttribute('class')).toMatch(/is-checked/)
      await expect.poll(() => page.locator('[data-testid^="editor-grade-"]').count()).toBe(4)
      await byTestId(page, 'editor-item-mandarin').scrollIntoViewIfNeeded()
      await shot(page, 'forms-editor-rules')
      await byTestId(page, 'editor-scoring').scrollIntoViewIfNeeded()
      await shot(page, 'forms-editor-scoring')
    } finally {
      await page.context().close()
    }
  })

  it('hosp1 copies 环境卫生检查, changes an item\'s points and deduction rule and publishes version 2', async () => {
    type Def = { sections: { items: { id: string; points?: number; deduct_per?: number; deduct_cap?: number }[] }[] }
    const litter = (d: Def) => d.sections.flatMap((s) => s.items).find((i) => i.id === 'litter')
    const page = await newPage(browser)
    let copyId = ''
    const name = `环境卫生检查（一院）${uniqueStamp()}`
    try {
      await login(page, 'hosp1')
      await page.goto('/form-templates')
      // The shipped checklists are all listed; the hospital copies one to its own unit.
      for (const code of ['window-check', 'ethics-covert', 'medical-record', 'hygiene-check', 'fire-safety', 'admin-round', 'patient-experience'])
        await byTestId(page, `form-template-${code}`).waitFor()
      await byTestId(page, 'form-copy-hygiene-check').click()
      await byTestId(page, 'template-copy-dialog').waitFor()
      await inputOf(page, 'template-copy-name').fill(name)
      await submitDialog(page, 'template-copy-submit', 'template-copy-dialog')
      await page.waitForURL(/\/form-templates\/\d+$/)
      copyId = page.url().split('/').pop() ?? ''
      await expect.poll(() => byTestId(page, 'editor-title').innerText()).toBe(name)
      expect(await byTestId(page, 'editor-version').innerText()).toContain('v1')

      // 过道垃圾: 15 points at 3 per occurrence → 20 points at 4, at most 12.
      await byTestId(page, 'editor-item-litter').scrollIntoViewIfNeeded()
      expect(await inputOf(page, 'editor-points-litter').inputValue()).toBe('15')
      expect(await inputOf(page, 'editor-deduct-per-litter').inputValue()).toBe('3')
      await inputOf(page, 'editor-points-litter').fill('20')
      await inputOf(page, 'editor-points-litter').press('Tab')
      await inputOf(page, 'editor-deduct-per-litter').fill('4')
      await inputOf(page, 'editor-deduct-per-litter').press('Tab')
      await inputOf(page, 'editor-deduct-cap-litter').fill('12')
      await inputOf(page, 'editor-deduct-cap-litter').press('Tab')
      await expect.poll(() => byTestId(page, 'editor-draft-state').innerText()).toBe('草稿有未发布的修改')
      await shot(page, 'forms-checklist-copy-edit')

      // The preview shows the checklist as an inspector fills it in, with the new rule.
      await byTestId(page, 'editor-preview').click()
      const preview = byTestId(page, 'editor-preview-dialog')
      await preview.locator('[data-testid="fill-item-litter"]').waitFor()
      expect(await preview.locator('[data-testid="fill-item-litter"]').innerText()).toContain('每处扣 4 分，最多扣 12 分')
      expect(await preview.innerText()).not.toContain('您对本次服务的总体评价')
      await shot(page, 'forms-checklist-copy-preview')
      await page.keyboard.press('Escape')
      await preview.waitFor({ state: 'hidden' })

      await byTestId(page, 'editor-publish').click()
      await answerMessageBox(page, true)
      await expect.poll(() => byTestId(page, 'editor-version').innerText()).toContain('v2')
      await expect.poll(() => byTestId(page, 'editor-draft-state').innerText()).toBe('草稿与当前版本一致')
      await expect.poll(() => byTestId(page, 'editor-versions').locator('.el-timeline-item').count()).toBe(2)
      const stored = await apiGet<{ current_version: number; published: Def }>(page, `/api/v1/forms/templates/${copyId}`)
      expect(stored.body.current_version).toBe(2)
      expect(litter(stored.body.published)).toMatchObject({ points: 20, deduct_per: 4, deduct_cap: 12 })
      // The shipped original is unchanged.
      const list = await apiGet<{ items: { id: string; code: string; current_version: number }[] }>(page, '/api/v1/forms/templates?kind=checklist')
      const shipped = list.body.items.find((t) => t.code === 'hygiene-check')
      expect(shipped?.current_version).toBe(1)
      const original = await apiGet<{ published: Def }>(page, `/api/v1/forms/templates/${shipped?.id}`)
      expect(litter(original.body.published)).toMatchObject({ points: 15, deduct_per: 3 })
      await byTestId(page, 'editor-item-litter').scrollIntoViewIfNeeded()
      await shot(page, 'forms-checklist-copy-published')
    } finally {
      await page.context().close()
    }

    // The published copy in the editor on a phone: nothing wider than the screen.
    const phone = await newPhonePage(browser)
    try {
      await login(phone, 'hosp1')
      await phone.goto(`/form-templates/${copyId}`)
      await expect.poll(() => byTestId(phone, 'editor-title').innerText()).toBe(name)
      await byTestId(phone, 'editor-item-litter').scrollIntoViewIfNeeded()
      expect(await inputOf(phone, 'editor-points-litter').inputValue()).toBe('20')
      expect(await inputOf(phone, 'editor-deduct-cap-litter').inputValue()).toBe('12')
      await expectFitsPhone(phone, 'checklist-copy-editor')
    } finally {
      await phone.context().close()
    }
  })
})
