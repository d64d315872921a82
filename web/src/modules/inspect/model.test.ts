import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api'
import {
  checkPlanForm,
  defaultOwner,
  defaultConfirm,
  draftPhotos,
  emptyPlanForm,
  flushDraft,
  flushQueued,
  isNetworkFailure,
  modeKey,
  newDraftId,
  percent,
  photosOfDraft,
  planBody,
  planField,
  published,
  taskStatusKey,
  taskStatusTag,
  underTarget,
  updateDraft,
  type Draft,
  type DraftApi,
  type DraftStore,
  type Finding,
} from './model'
import zh from './i18n.zh-CN'

function memoryStore(): DraftStore & { rows: Map<string, Draft> } {
  const rows = new Map<string, Draft>()
  return {
    rows,
    get: async (id) => (rows.has(id) ? structuredClone(rows.get(id)) : undefined),
    put: async (d) => void rows.set(d.task_id, structuredClone(d)),
    remove: async (id) => void rows.delete(id),
    all: async () => [...rows.values()].map((d) => structuredClone(d)),
  }
}
const netError = () => new ApiError(0, 'network_error', 'Failed to fetch')

/** A fake server: stores one inspection per draft id (a replay returns it), counts requests. */
function fakeApi(opts: { online?: () => boolean; failPerform?: () => unknown; failPhoto?: (n: number) => unknown } = {}) {
  const byDraft = new Map<string, string>()
  const calls = { perform: 0, photos: [] as string[] }
  const api: DraftApi = {
    online: opts.online ?? (() => true),
    async perform(taskId, body) {
      calls.perform++
      const f = opts.failPerform?.()
      if (f) throw f
      if (!byDraft.has(body.draft_id)) byDraft.set(body.draft_id, `x${byDraft.size + 1}`)
      return { id: byDraft.get(body.draft_id) as string }
    },
    async addPhoto(id, item) {
      const f = opts.failPhoto?.(calls.photos.length)
      if (f) throw f
      calls.photos.push(`${id}:${item}`)
      return {}
    },
  }
  return { api, calls, byDraft }
}
const png = () => new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' })

function queuedDraft(store: DraftStore, taskId = '7'): Promise<Draft> {
  const d = { ...updateDraft(undefined, taskId, { answers: { cold: 1, note: '' }, notes: { cold: '  态度生硬 ' }, photos: [{ item: 'cold', name: 'a.png', type: 'image/png', blob: png() }] }), queued: true }
  return store.put(d).then(() => d)
}

describe('inspection labels', () => {
  it('names task statuses, cadences and modes in the catalogue', () => {
    expect(taskStatusKey('overdue')).toBe('inspect.status.overdue')
    expect(taskStatusKey('weird')).toBe('inspect.status.due')
    expect(zh.status).toEqual({ due: '待检查', overdue: '已逾期', done: '已完成' })
    expect(taskStatusTag('done')).toBe('success')
    expect(taskStatusTag('overdue')).toBe('danger')
    expect(modeKey({ covert: true, self_inspection: false })).toBe('inspect.mode.covert')
    expect(modeKey({ covert: false, self_inspection: true })).toBe('inspect.mode.self')
    expect(zh.mode.covert).toBe('暗访')
    expect(zh.task.savedLocal).toBe('已保存在本机，联网后自动提交')
  })
  it('shows shares as percentages and reds a board under its target', () => {
    expect(percent(0.875)).toBe('88%')
    expect(percent(null)).toBe('—')
    expect(underTarget({ rate: 0.5, target: 0.9, total: 2 })).toBe(true)
    expect(underTarget({ rate: 0.9, target: 0.9, total: 10 })).toBe(false)
    expect(underTarget({ rate: 0, target: 1, total: 0 })).toBe(false)
  })
  it('calls an overt result published and a covert one only once published', () => {
    expect(published({ covert: false, published_at: null })).toBe(true)
    expect(published({ covert: true, published_at: null })).toBe(false)
    expect(published({ covert: true, published_at: 5 })).toBe(true)
  })
  it('confirms every deduction and veto not yet in the ledger by default', () => {
    const f = (id: string, kind: Finding['kind'], deduction: number, rect: string | null = null): Finding => ({ id, item_id: id, section: '', label: '', kind, deduction, reason: '', note: null, rectification_id: rect })
    expect(defaultConfirm([f('a', 'deduction', 5), f('b', 'veto', 0), f('c', 'deduction', 0), f('d', 'deduction', 3, '9')])).toEqual(['a', 'b'])
  })
})

describe('the plan form', () => {
  it('names the fields to fix before sending', () => {
    const e = checkPlanForm({ ...emptyPlanForm(), cadence: 'once', target: 0 })
    expect(Object.keys(e).sort()).toEqual(['inspectors', 'name', 'scope_node_id', 'target', 'template_id', 'window_from'])
    expect(checkPlanForm({ ...emptyPlanForm(), name: 'x', template_id: '1', scope_node_id: '2', self_inspection: true })).toEqual({})
  })
  it('sends shares, drops a covert flag on 自查, and patches only what may change', () => {
    const f = { ...emptyPlanForm(), name: ' 暗访 ', template_id: '1', scope_node_id: '2', node_kind: 'department', covert: true, target: 80, inspectors: ['5'] }
    expect(planBody(f)).toMatchObject({ name: '暗访', target: 0.8, covert: true, node_kind: 'department', cadence: 'monthly', inspectors: ['5'], window_from: undefined })
    expect(planBody({ ...f, self_inspection: true })).toMatchObject({ covert: false, inspectors: [] })
    expect(Object.keys(planBody(f, true)).sort()).toEqual(['inspectors', 'name', 'target'])
    expect(planBody({ ...f, cadence: 'once', window: ['2026-12-01', '2026-12-31'] }, true)).toMatchObject({ window_to: '2026-12-31' })
    expect(planBody({ ...f, owner_node_id: '9' })).toMatchObject({ owner_node_id: '9', scope_node_id: '2' })
    expect(planField('window_to')).toBe('window_from')
    expect(planField('node_ids')).toBe('scope_node_id')
  })
})

describe('the planning unit', () => {
  it('defaults to the node of the first grant whose role may plan', () => {
    const grants = [
      { role: 'dept_head', node_id: '5', node_name: '内科' },
      { role: 'inspector', node_id: '1', node_name: '市卫健委' },
    ]
    expect(defaultOwner(grants, new Set(['inspector', 'unit_admin']))).toEqual({ id: '1', name: '市卫健委' })
    expect(defaultOwner(grants, new Set(['bureau_admin']))).toBeNull()
  })
})

describe('the offline draft queue', () => {
  it('makes a draft id once per task draft, in the server’s alphabet', () => {
    const id = newDraftId('123456789012345678')
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
    const d1 = updateDraft(undefined, '1', { answers: { a: 1 }, notes: {}, photos: [] }, 10)
    const d2 = updateDraft(d1, '1', { answers: { a: 2 }, notes: { a: 'n' }, photos: [] }, 20)
    expect(d2.draft_id).toBe(d1.draft_id)
    expect(d2.answers).toEqual({ a: 2 })
    expect(d2.updated_at).toBe(20)
    expect(updateDraft(undefined, '1', { answers: {}, notes: {}, photos: [] }).draft_id).not.toBe(d1.draft_id)
  })
  it('turns photos into files per item and back', () => {
    const per = photosOfDraft([{ item: 'a', name: 'p.png', type: 'image/png', blob: png() }])
    expect(per.a[0].name).toBe('p.png')
    expect(draftPhotos(per)).toMatchObject([{ item: 'a', name: 'p.png', type: 'image/png' }])
  })
  it('tells a lost connection from a refusal', () => {
    expect(isNetworkFailure(netError())).toBe(true)
    expect(isNetworkFailure(new TypeError('Failed to fetch'))).toBe(true)
    expect(isNetworkFailure(new ApiError(422, 'invalid', 'x', 'answers.cold'))).toBe(false)
  })
  it('keeps a draft queued while offline and sends nothing', async () => {
    const store = memoryStore()
    const d = { ...(await queuedDraft(store)), queued: false }
    await store.put(d)
    const { api, calls } = fakeApi({ online: () => false })
    expect(await flushDraft(store, api, '7')).toEqual({ state: 'offline' })
    expect(calls.perform).toBe(0)
    expect(store.rows.get('7')?.queued).toBe(true)
  })
  it('sends the inspection, then the photos, then clears the draft', async () => {
    const store = memoryStore()
    await queuedDraft(store)
    const { api, calls } = fakeApi()
    expect(await flushDraft(store, api, '7')).toEqual({ state: 'sent', inspection_id: 'x1' })
    expect(calls.perform).toBe(1)
    expect(calls.photos).toEqual(['x1:cold'])
    expect(store.rows.size).toBe(0)
  })
  it('keeps the draft queued when the network fails mid-way, and resends with the same draft id (one inspection)', async () => {
    const store = memoryStore()
    const d = await queuedDraft(store)
    let down = true
    const { api, calls, byDraft } = fakeApi({ failPhoto: () => (down ? netError() : undefined) })
    expect(await flushDraft(store, api, '7')).toEqual({ state: 'offline' })
    expect(store.rows.get('7')).toMatchObject({ queued: true, inspection_id: 'x1', draft_id: d.draft_id })
    expect(store.rows.get('7')?.photos).toHaveLength(1)
    down = false
    expect(await flushQueued(store, api)).toEqual({ '7': { state: 'sent', inspection_id: 'x1' } })
    expect(calls.perform).toBe(1) // the stored inspection was not sent again
    expect(byDraft.size).toBe(1)
    expect(calls.photos).toEqual(['x1:cold'])
    expect(store.rows.size).toBe(0)
  })
  it('resends a submission whose answer was lost with the same draft id', async () => {
    const store = memoryStore()
    await queuedDraft(store)
    let fails = 1
    const { api, calls, byDraft } = fakeApi({ failPerform: () => (fails-- > 0 ? netError() : undefined) })
    expect((await flushDraft(store, api, '7')).state).toBe('offline')
    expect((await flushDraft(store, api, '7')).state).toBe('sent')
    expect(calls.perform).toBe(2)
    expect(byDraft.size).toBe(1)
  })
  it('stops on a refusal: the draft stays, unqueued, with the reason', async () => {
    const store = memoryStore()
    await queuedDraft(store)
    const { api } = fakeApi({ failPerform: () => new ApiError(409, 'task_done', 'done') })
    const out = await flushDraft(store, api, '7', (e) => (e as Error).message)
    expect(out.state).toBe('refused')
    expect(store.rows.get('7')).toMatchObject({ queued: false, error: 'done' })
    expect(await flushQueued(store, api)).toEqual({})
  })
  it('drops a refused photo but finishes the draft', async () => {
    const store = memoryStore()
    await queuedDraft(store)
    const { api } = fakeApi({ failPhoto: () => new ApiError(422, 'unsupported_type', 'not an image', 'file') })
    expect((await flushDraft(store, api, '7')).state).toBe('sent')
    expect(store.rows.size).toBe(0)
  })
  it('sends only queued drafts, and nothing while offline', async () => {
    const store = memoryStore()
    await queuedDraft(store, '1')
    await store.put(updateDraft(undefined, '2', { answers: { a: 1 }, notes: {}, photos: [] }))
    let online = false
    const { api, calls } = fakeApi({ online: () => online })
    expect(await flushQueued(store, api)).toEqual({})
    online = true
    expect(Object.keys(await flushQueued(store, api))).toEqual(['1'])
    expect(calls.perform).toBe(1)
    expect([...store.rows.keys()]).toEqual(['2'])
  })
})
