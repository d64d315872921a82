// Imports as an HR office sends them: a GBK-encoded CSV saved by a Chinese Excel, with Chinese
// headers (工号, 姓名, 类别, 职称, 科室), Chinese categories and departments by name, uploaded in
// the staff page by a hospital's admin. A bad row is shown in Chinese and nothing is stored;
// the corrected file goes in. Needs a running demo server (see foundation.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { BASE, byTestId, inputOf, launch, login, newPage, poll, shot, uniqueStamp } from './helpers'

const stamp = uniqueStamp().toUpperCase()
let browser: Browser
let page: Page

// GBK bytes (as a Chinese Excel writes them) of the header and of the rows after the employee number.
const HEADER = [0xb9, 0xa4, 0xba, 0xc5, 0x2c, 0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xc0, 0xe0, 0xb1, 0xf0, 0x2c, 0xd6, 0xb0, 0xb3, 0xc6, 0x2c, 0xbf, 0xc6, 0xca, 0xd2, 0x0d, 0x0a] // 工号,姓名,类别,职称,科室
const DOCTOR = [0x2c, 0xd5, 0xc5, 0xd2, 0xbd, 0xc9, 0xfa, 0x2c, 0xd2, 0xbd, 0xca, 0xa6, 0x2c, 0xd6, 0xf7, 0xd6, 0xce, 0xd2, 0xbd, 0xca, 0xa6, 0x2c, 0xc4, 0xda, 0xbf, 0xc6, 0x0d, 0x0a] // ,张医生,医师,主治医师,内科
const COOK = [0x2c, 0xc0, 0xee, 0xbb, 0xa4, 0xca, 0xbf, 0x2c, 0xb3, 0xf8, 0xca, 0xa6, 0x2c, 0x2c, 0xc4, 0xda, 0xbf, 0xc6, 0x0d, 0x0a] // ,李护士,厨师,,内科
const NURSE = [0x2c, 0xc0, 0xee, 0xbb, 0xa4, 0xca, 0xbf, 0x2c, 0xbb, 0xa4, 0xca, 0xbf, 0x2c, 0xbb, 0xa4, 0xca, 0xa6, 0x2c, 0xc4, 0xda, 0xbf, 0xc6, 0x0d, 0x0a] // ,李护士,护士,护师,内科

function gbkCsv(rows: [string, number[]][]): Buffer {
  return Buffer.concat([Buffer.from(HEADER), ...rows.flatMap(([no, rest]) => [Buffer.from(no, 'ascii'), Buffer.from(rest)])])
}

async function upload(buffer: Buffer) {
  await page.locator('[data-testid="staff-import-file"] input[type=file]').setInputFiles({ name: '人员名单.csv', mimeType: 'text/csv', buffer })
  await byTestId(page, 'staff-import-submit').click()
}

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

describe('staff import', () => {
  it('accepts a GBK CSV with Chinese headers and shows a bad row in Chinese', async () => {
    page = await newPage(browser)
    await login(page, 'hosp1')
    await byTestId(page, 'menu-staff').click()
    await page.waitForURL('**/staff')
    await byTestId(page, 'staff-import').click()
    const doctor = `GD${stamp}`
    const nurse = `GN${stamp}`
    // A bad category: the error names row, column and value in Chinese; nothing is stored.
    await upload(gbkCsv([[doctor, DOCTOR], [nurse, COOK]]))
    const errors = byTestId(page, 'staff-import-errors')
    await errors.locator('.el-table__body tr').first().waitFor()
    const text = await errors.innerText()
    expect(text).toContain('3')
    expect(text).toContain('类别')
    expect(text).toContain('「类别」的值「厨师」无法识别')
    expect(await byTestId(page, 'staff-import-result').innerText()).toContain('未导入任何记录')
    await shot(page, 'imports-01-gbk-error')
    const none = await page.evaluate(async (q) => (await (await fetch(`/api/v1/staff?q=${q}`)).json()).items.length, doctor)
    expect(none).toBe(0)
    // The corrected file goes in.
    await upload(gbkCsv([[doctor, DOCTOR], [nurse, NURSE]]))
    await poll(() => byTestId(page, 'staff-import-result').innerText()).toContain('成功导入 2')
    await shot(page, 'imports-02-gbk-imported')
    await page.keyboard.press('Escape')
    await byTestId(page, 'staff-import-dialog').waitFor({ state: 'hidden' })
    await inputOf(page, 'staff-filter-q').fill(doctor)
    await byTestId(page, 'staff-search').click()
    const row = byTestId(page, 'staff-table').locator('.el-table__body tr', { hasText: '张医生' })
    await row.waitFor()
    const rowText = await row.innerText()
    expect(rowText).toContain('医师')
    expect(rowText).toContain('主治医师')
    expect(rowText).toContain('内科')
  })

  it('offers a template naming the hospital’s own department', async () => {
    await byTestId(page, 'staff-import').click()
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'staff-import-template').click()])
    const path = await download.path()
    const fs = await import('node:fs/promises')
    const body = await fs.readFile(path!, 'utf8')
    expect(body.startsWith('\uFEFF工号,姓名,类别,职称,科室编码,科室')).toBe(true)
    expect(body).toContain('H001-')
    await page.setViewportSize({ width: 390, height: 844 })
    await shot(page, 'imports-03-dialog-phone')
    await page.context().close()
  })
})
