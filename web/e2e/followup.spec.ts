// 出院回访 and 意见箱 entry as the nurse and the clerk use them (issue 10, items 15 and 18):
// the call screen lists the task's call history (each attempt with its own note) and the
// patient's earlier ratings and complaints, offers 标记为无法联系 only after three failed calls,
// names the 差评工单 a bad rating opened; a 预约回访时间 moves a task out of 今日应访 to its day;
// and paper forms are entered from the keyboard alone with the date carried over, a repeated
// form number refused by name. Needs a running server with demo data (see foundation.spec.ts).
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { PHONE, apiGet, apiPost, byTestId, inputOf, launch, login, newPage, pickNode, poll, shanghaiDay, shot, uniqueStamp } from './helpers'

const stamp = uniqueStamp() + randomBytes(2).toString('hex')
let browser: Browser
let page: Page // hosp1

interface Task {
  id: string
  name: string
  phone: string
  call_date: string
  status: string
  attempts: number
}

const uniquePhone = () => `139${String(randomBytes(4).readUInt32BE(0) % 1e8).padStart(8, '0')}`

/** Imports one patient of 市第一人民医院 内科 discharged `ago` days ago (due 7 days later); returns the task. */
async function importPatient(name: string, phone: string, ago: number): Promise<Task> {
  const csv = ['姓名,手机号,出院科室,住院号,出院日期', `${name},${phone},内科,ZY${stamp},${shanghaiDay(-ago)}`].join('\n')
  const r = await apiPost<{ imported: number }>(page, '/api/v1/followups/import?days=7', csv, 'text/csv')
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  expect(r.body.imported).toBe(1)
  const all = await apiGet<{ items: Task[] }>(page, '/api/v1/followups/tasks?status=open&limit=500&due_until=' + shanghaiDay(30))
  // The list shows the number masked (139****1234); earlier runs leave tasks of the same name.
  const masked = phone.slice(0, 3) + '****' + phone.slice(-4)
  const task = all.body.items.find((x) => x.name.startsWith(name.slice(0, 1)) && x.phone === masked && x.status === 'pending' && x.attempts === 0 && x.call_date === shanghaiDay(7 - ago))
  expect(task, 'the imported task').toBeTruthy()
  return task!
}

/**
 * The list row holding the task's call link, paging on with 下一页 as the nurse does: the list
 * is ordered by call day (oldest first), so a task due yesterday can sit behind a full page of
 * older 逾期未访 tasks.
 */
async function findTaskRow(taskId: string) {
  const table = byTestId(page, 'followup-table')
  const link = table.locator(`[data-testid="followup-call-${taskId}"]`)
  await table.locator('.el-table__body tr').first().waitFor()
  for (let pages = 0; !(await link.count()); pages++) {
    const next = byTestId(page, 'followup-next')
    expect(await next.isDisabled(), `task ${taskId} on one of ${pages + 1} pages`).toBe(false)
    const first = await table.locator('.el-table__body tr').first().innerText()
    await next.click()
    await poll(() => table.locator('.el-table__body tr').first().innerText()).not.toBe(first)
  }
  return table.locator('.el-table__body tr', { has: page.locator(`[data-testid="followup-call-${taskId}"]`) })
}

async function openCall(taskId: string) {
  await page.goto('/sat-followups/' + taskId)
  await byTestId(page, 'call-patient-name').waitFor()
}

beforeAll(async () => {
  browser = await launch()
  page = await newPage(browser)
  await login(page, 'hosp1')
})
afterAll(async () => {
  await browser?.close()
})

describe('出院回访: the call screen', () => {
  it('keeps every attempt, shows the patient’s history, offers 无法联系 after three failed calls and names the 差评工单', async () => {
    const phone = uniquePhone()
    const name = `史回访${stamp.slice(-3)}`
    // The patient rated 内科 badly before (a 差评工单 was opened with their number).
    const points = await apiGet<{ items: { id: string; node_name: string; unit_name: string; active: boolean; template_name: string }[] }>(page, '/api/v1/points?limit=500')
    const pt = points.body.items.find((p) => p.node_name === '内科' && p.unit_name === '市第一人民医院' && p.active)
    expect(pt).toBeTruthy()
    const earlier = await apiPost<{ case_id: string | null }>(page, '/api/v1/ratings', { point_id: pt!.id, channel: 'phone', overall: 2, comment: `既往留言 hist-${stamp}`, phone })
    expect(earlier.status).toBe(201)
    expect(earlier.body.case_id).toBeTruthy()
    const task = await importPatient(name, phone, 8) // due yesterday: 逾期未访

    // The list: 逾期未访 is its own filter; 今日应访 does not hold it.
    await page.goto('/sat-followups?due=overdue')
    const row = await findTaskRow(task.id)
    await poll(() => row.innerText()).toContain('已逾期')
    const counts = await apiGet<{ due_today: number; overdue: number }>(page, '/api/v1/followups/counts')
    await poll(() => byTestId(page, 'followup-count-overdue').innerText()).toBe(String(counts.body.overdue))
    await byTestId(page, 'followup-quick-today').click()
    await poll(() => byTestId(page, 'followup-table').locator(`[data-testid="followup-call-${task.id}"]`).count()).toBe(0)
    const today = await apiGet<{ items: Task[] }>(page, '/api/v1/followups/tasks?status=open&limit=500&due=today')
    expect(today.body.items.map((x) => x.id)).not.toContain(task.id)

    // First call: not reached, with a note.
    await openCall(task.id)
    await byTestId(page, 'call-history-empty').waitFor()
    await poll(() => byTestId(page, 'call-earlier-ratings').innerText()).toContain(`既往留言 hist-${stamp}`)
    await poll(() => byTestId(page, 'call-earlier-cases').innerText()).toContain('差评')
    expect(await byTestId(page, 'call-earlier-ratings').innerText()).not.toContain(phone)
    expect(await page.locator('[data-testid="call-outcome-unreachable"]').count()).toBe(0)
    await poll(() => byTestId(page, 'call-unreachable-rule').innerText()).toContain('连续 3 次未接通后')
    await shot(page, 'followup-call-history-desktop')
    await byTestId(page, 'call-outcome-not_reached').click()
    await inputOf(page, 'call-note').fill('第一次：无人接听')
    await byTestId(page, 'call-submit').click()
    await page.waitForURL((u) => u.pathname === '/sat-followups')
    // Two more failed calls (the third no longer closes the task).
    for (const note of ['第二次：关机', '第三次：无人接听']) {
      const r = await apiPost<{ status: string }>(page, `/api/v1/followups/tasks/${task.id}/outcome`, { outcome: 'not_reached', note })
      expect(r.body.status).toBe('not_reached')
    }
    await openCall(task.id)
    const history = byTestId(page, 'call-history')
    await poll(() => history.locator('.el-timeline-item').count()).toBe(3)
    const text = await history.innerText()
    for (const note of ['第一次：无人接听', '第二次：关机', '第三次：无人接听']) expect(text).toContain(note)
    await poll(() => byTestId(page, 'call-unreachable-offer').innerText()).toContain('已连续 3 次未接通')
    await byTestId(page, 'call-outcome-unreachable').waitFor()
    await poll(() => byTestId(page, 'call-outcome-unreachable').innerText()).toContain('标记为无法联系')
    await page.setViewportSize(PHONE)
    await byTestId(page, 'call-outcome-unreachable').scrollIntoViewIfNeeded()
    await shot(page, 'followup-call-offer-phone')
    await byTestId(page, 'call-history').scrollIntoViewIfNeeded()
    await shot(page, 'followup-call-history-phone')
    // No horizontal scrolling on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width + 1)
    await page.setViewportSize({ width: 1440, height: 900 })

    // Reached on the fourth call with 非常不满意: the 差评工单 is named with its link.
    await byTestId(page, 'call-outcome-reached').click()
    await byTestId(page, 'call-overall-1').click()
    const survey = byTestId(page, 'call-survey')
    for (const item of await survey.locator('.item').all()) {
      const radio = item.locator('.el-radio-button, .el-radio').first()
      if (await radio.count()) await radio.click()
    }
    await byTestId(page, 'call-submit').click()
    const opened = byTestId(page, 'call-case-opened')
    await poll(() => opened.innerText()).toMatch(/已生成差评工单 [A-Z0-9-]+/)
    await poll(() => byTestId(page, 'call-history').locator('.el-timeline-item').count()).toBe(4)
    await shot(page, 'followup-call-case-opened')
    const code = /差评工单 ([A-Z0-9-]+)/.exec(await opened.innerText())![1]
    await byTestId(page, 'call-case-link').click()
    await page.waitForURL((u) => u.pathname.startsWith('/cases/'))
    await poll(() => byTestId(page, 'case-code').innerText()).toBe(code)
  })

  it('a call back at a later time moves the task out of 今日应访 to that day', async () => {
    const task = await importPatient(`何约访${stamp.slice(-3)}`, uniquePhone(), 7) // due today
    await page.goto('/sat-followups?due=today')
    await (await findTaskRow(task.id)).locator(`[data-testid="followup-call-${task.id}"]`).click()
    await byTestId(page, 'call-patient-name').waitFor()
    await byTestId(page, 'call-outcome-not_reached').click()
    const tomorrow = shanghaiDay(1)
    const picker = inputOf(page, 'call-callback')
    await picker.click()
    await picker.fill(`${tomorrow} 10:00`)
    await picker.press('Enter')
    await page.keyboard.press('Escape')
    await inputOf(page, 'call-note').fill('患者在外地，约明早十点')
    await shot(page, 'followup-call-callback')
    await byTestId(page, 'call-submit').click()
    await page.waitForURL((u) => u.pathname === '/sat-followups')
    const after = await apiGet<{ items: Task[] }>(page, '/api/v1/followups/tasks?status=open&limit=500&due=today')
    expect(after.body.items.map((x) => x.id)).not.toContain(task.id)
    const all = await apiGet<{ items: (Task & { callback_at: number })[] }>(page, `/api/v1/followups/tasks?status=open&limit=500&due_until=${tomorrow}`)
    const moved = all.body.items.find((x) => x.id === task.id)
    expect(moved?.call_date).toBe(tomorrow)
    expect(new Date(moved!.callback_at + 8 * 3600_000).toISOString().slice(0, 16)).toBe(`${tomorrow}T10:00`)
    // The attempt keeps its 预约回访时间 and note in the call history.
    await openCall(task.id)
    await poll(() => byTestId(page, 'call-history').innerText()).toContain(`预约回访时间：${tomorrow} 10:00`)
    expect(await byTestId(page, 'call-history').innerText()).toContain('患者在外地，约明早十点')
    await page.goto('/sat-followups?tab=rates')
    await poll(() => byTestId(page, 'followup-rate-rule').innerText()).toContain('无法联系的患者计入应回访（分母）')
    await shot(page, 'followup-rates-rule')
  })
})

describe('意见箱: paper forms from the keyboard', () => {
  it('enters several forms with Tab, number keys and Enter only; each keeps its date; a repeated form number is refused', async () => {
    await page.goto('/sat-entry')
    await pickNode(page, 'entry-node', ['市第一人民医院'], '内科')
    await byTestId(page, 'entry-point').click()
    await page.locator('.el-select-dropdown__item:visible').first().click()
    await byTestId(page, 'entry-channel-opinion_box').click()
    const date = inputOf(page, 'entry-date')
    // The box was opened today; the forms were filled in last month.
    const lastMonth = new Date(Date.now() + 8 * 3600_000)
    lastMonth.setUTCDate(0) // the last day of last month
    const filled = lastMonth.toISOString().slice(0, 10)
    await date.click()
    await page.keyboard.press('ControlOrMeta+a')
    await page.keyboard.type(filled.replaceAll('-', ''))

    const ids: string[] = []
    const active = () => page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null
      return { tag: el?.tagName ?? '', type: el?.type ?? '', testid: el?.closest('[data-testid]')?.getAttribute('data-testid') ?? '', value: el?.value ?? '' }
    })
    for (let n = 1; n <= 3; n++) {
      if (n > 1) {
        // Back at the top, in the date field, the date kept.
        await poll(async () => (await active()).testid).toBe('entry-date')
        expect((await active()).value).toBe(filled)
        expect(await page.evaluate(() => (document.querySelector('.el-main')?.scrollTop ?? 0) + window.scrollY)).toBe(0)
      }
      await page.keyboard.press('Tab') // to 纸质表单编号
      expect((await active()).testid).toBe('entry-form-no')
      await page.keyboard.type(`KB-${stamp}-${n}`)
      await page.keyboard.press('Enter') // to 总体评价
      expect((await active()).type).toBe('radio')
      await page.keyboard.press(String(n)) // 1 非常满意, 2 满意, 3 一般
      // The survey: the first option of every choice; other fields are passed with Tab.
      for (let guard = 0; guard < 60; guard++) {
        const a = await active()
        if (a.testid === 'entry-comment') break
        if (a.type === 'radio') await page.keyboard.press('1')
        else await page.keyboard.press('Tab')
      }
      expect((await active()).testid).toBe('entry-comment')
      await page.keyboard.type(`纸质表单 kb-${stamp}-${n}`)
      await page.keyboard.press('Tab') // 联系电话
      await page.keyboard.press('Tab') // 提交评价
      expect((await active()).testid).toBe('entry-submit')
      if (n === 2) await shot(page, 'entry-keyboard-before-save')
      await page.keyboard.press('Enter')
      await poll(() => byTestId(page, 'entry-last').innerText()).not.toContain(ids[ids.length - 1] ?? 'none')
      ids.push(/#(\d+)/.exec(await byTestId(page, 'entry-last').innerText())![1])
    }
    await shot(page, 'entry-keyboard-after-save')
    // Stored with the form's date and level.
    for (const [i, id] of ids.entries()) {
      const r = await apiGet<{ created_at: number; overall: number; channel: string }>(page, `/api/v1/ratings/${id}`)
      expect(r.status).toBe(200)
      expect(new Date(r.body.created_at + 8 * 3600_000).toISOString().slice(0, 10)).toBe(filled)
      expect(r.body.overall).toBe(5 - i)
      expect(r.body.channel).toBe('opinion_box')
    }
    // The same form number again: refused, the field named in Chinese, nothing stored.
    await page.keyboard.press('Tab')
    await page.keyboard.type(`KB-${stamp}-2`)
    await page.keyboard.press('Enter')
    await page.keyboard.press('1')
    for (let guard = 0; guard < 60; guard++) {
      const a = await active()
      if (a.testid === 'entry-comment') break
      if (a.type === 'radio') await page.keyboard.press('1')
      else await page.keyboard.press('Tab')
    }
    await page.keyboard.press('ControlOrMeta+Enter')
    const err = page.locator('.el-form-item', { has: page.locator('[data-testid="entry-form-no"]') }).locator('.el-form-item__error')
    await poll(() => err.innerText()).toContain('纸质表单编号')
    await shot(page, 'entry-duplicate-form-no')
    const stored = await apiGet<{ items: unknown[] }>(page, `/api/v1/ratings/comments?q=${encodeURIComponent(`kb-${stamp}`)}&limit=50`)
    expect(stored.body.items.length).toBe(3)
  })
})
