#!/usr/bin/env node
// A small in-memory stand-in for the manyi API (foundation endpoints only), used to
// develop the console and to check the browser tests when the C++ server is not at hand:
//   npm run build && node e2e/mock-server.mjs --port 18080 --web dist
//   MANYI_URL=http://127.0.0.1:18080 npm run e2e
// It follows the API contract (errors, CSRF, scopes, string ids, cursor paging); it is
// not the product and keeps nothing on disk.
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

const argv = process.argv.slice(2)
const arg = (name, def) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : def
}
const PORT = Number(arg('--port', '18080'))
const WEB = path.resolve(arg('--web', 'dist'))
const PASSWORD = 'Manyi-demo-1'

const ROLES = [
  { code: 'bureau_admin', name_zh: '卫健局管理员', name_en: 'Bureau admin', permissions: ['org.read', 'org.write', 'staff.read', 'staff.write', 'user.read', 'user.write', 'audit.read'] },
  { code: 'inspector', name_zh: '督查员', name_en: 'Inspector', permissions: ['org.read', 'staff.read'] },
  { code: 'unit_admin', name_zh: '单位管理员', name_en: 'Unit admin', permissions: ['org.read', 'org.write', 'staff.read', 'staff.write', 'user.read', 'user.write', 'audit.read'] },
  { code: 'dept_head', name_zh: '科室负责人', name_en: 'Department head', permissions: ['org.read', 'staff.read'] },
  { code: 'handler', name_zh: '投诉受理员', name_en: 'Case handler', permissions: ['org.read', 'staff.read'] },
  { code: 'staff', name_zh: '医务人员', name_en: 'Staff', permissions: ['self.read'] },
]
const CATEGORIES = ['doctor', 'nurse', 'technician', 'pharmacist', 'admin', 'logistics', 'window']
const KINDS = ['bureau', 'county', 'institution', 'department', 'point']

let lastId = 1_700_000_000_000_000_000n
const newId = () => String(++lastId)

// ---- demo data ----
const nodes = new Map()
function addNode(parent_id, kind, code, name) {
  const n = { id: newId(), parent_id, kind, code, name, active: true }
  nodes.set(n.id, n)
  return n
}
const bureau = addNode(null, 'bureau', 'city', '市卫生健康局')
const counties = ['城关区', '东湖区', '西山县', '南河县'].map((n, i) => addNode(bureau.id, 'county', `county-${i + 1}`, n))
const hosp1 = addNode(bureau.id, 'institution', 'h-001', '市第一人民医院')
const hosp2 = addNode(bureau.id, 'institution', 'h-002', '市中医院')
addNode(bureau.id, 'institution', 'h-003', '市妇幼保健院')
const instNames = ['城关区人民医院', '城关区社区卫生服务中心', '东湖区人民医院', '东湖区中医医院', '西山县人民医院', '西山县中医院', '南河县人民医院', '南河县妇幼保健院', '南河县疾病预防控制中心']
instNames.forEach((n, i) => addNode(counties[Math.floor(i / 2.3)].id, 'institution', `h-${String(i + 4).padStart(3, '0')}`, n))
const deptNames = [['neike', '内科'], ['waike', '外科'], ['erke', '儿科'], ['fuchan', '妇产科'], ['jizhen', '急诊科']]
const depts1 = deptNames.map(([c, n]) => addNode(hosp1.id, 'department', `h1-${c}`, n))
addNode(hosp1.id, 'point', 'h1-win-1', '门诊收费窗口')
const depts2 = deptNames.slice(0, 3).map(([c, n]) => addNode(hosp2.id, 'department', `h2-${c}`, n))

const users = new Map()
function addUser(username, display_name, grants, extra = {}) {
  const u = { id: newId(), username, display_name, staff_id: null, active: true, must_change_password: false, password: PASSWORD, grants: [], ...extra }
  for (const [role, node] of grants) u.grants.push({ id: newId(), role, node_id: node.id })
  users.set(u.id, u)
  return u
}
addUser('bureau', '王局长', [['bureau_admin', bureau]])
addUser('hosp1', '李院办', [['unit_admin', hosp1]])
addUser('hosp2', '张院办', [['unit_admin', hosp2]])
addUser('inspector1', '赵督查', [['inspector', bureau]])
addUser('handler1', '陈受理', [['handler', hosp1]])
addUser('newbie', '新同事', [['handler', hosp1]], { must_change_password: true })

const staff = new Map()
const surnames = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗'
const titles = { doctor: ['主任医师', '副主任医师', '主治医师', '住院医师'], nurse: ['主任护师', '主管护师', '护师', '护士'], technician: ['主管技师', '技师'], pharmacist: ['主管药师', '药师'], admin: ['科员'], logistics: ['工人'], window: ['收费员'] }
let empNo = 1
for (const d of [...depts1, ...depts2]) {
  for (let i = 0; i < 14; i++) {
    const category = CATEGORIES[i % 4]
    const s = { id: newId(), employee_no: `E${String(empNo++).padStart(5, '0')}`, name: surnames[(empNo * 7) % surnames.length] + '医' + '甲乙丙丁戊己庚辛'[i % 8], category, title: titles[category][i % titles[category].length], node_id: d.id, active: i % 13 !== 12 }
    staff.set(s.id, s)
  }
}

const audit = []
function log(req, user, action, entity, entity_id, node_id, detail) {
  audit.push({ id: newId(), seq: audit.length + 1, at: Date.now(), user_id: user?.id ?? null, username: user?.username ?? null, ip: req.socket.remoteAddress?.replace('::ffff:', '') ?? '', action, entity, entity_id, node_id, detail })
}

// ---- scope ----
function ancestors(id) {
  const out = []
  for (let n = nodes.get(id); n; n = nodes.get(n.parent_id)) out.unshift(n)
  return out
}
function inScope(user, nodeId) {
  const anc = ancestors(nodeId).map((n) => n.id)
  return user.grants.some((g) => anc.includes(g.node_id))
}
function permissions(user) {
  return [...new Set(user.grants.flatMap((g) => ROLES.find((r) => r.code === g.role)?.permissions ?? []))]
}
function can(user, perm, nodeId) {
  return user.grants.some((g) => ROLES.find((r) => r.code === g.role)?.permissions.includes(perm) && (!nodeId || ancestors(nodeId).some((a) => a.id === g.node_id)))
}
const hasChildren = (id) => [...nodes.values()].some((n) => n.parent_id === id)
const nodeOut = (n, withPath) => ({ ...n, has_children: hasChildren(n.id), ...(withPath ? { path: ancestors(n.id).map((a) => ({ id: a.id, name: a.name })) } : {}) })
const grantOut = (g) => ({ ...g, node_name: nodes.get(g.node_id)?.name ?? '' })
const userOut = (u) => ({ id: u.id, username: u.username, display_name: u.display_name, staff_id: u.staff_id, active: u.active, must_change_password: u.must_change_password, grants: u.grants.map(grantOut) })
const meOut = (u) => ({ ...userOut(u), permissions: permissions(u) })

// ---- http plumbing ----
const sessions = new Map() // sid -> {userId, csrf}
class Fail extends Error {
  constructor(status, code, message, field) {
    super(message)
    Object.assign(this, { status, code, field })
  }
}
const fail = (status, code, message, field) => {
  throw new Fail(status, code, message, field)
}
function send(res, status, body, headers = {}) {
  if (body === undefined) {
    res.writeHead(status, headers)
    return res.end()
  }
  const data = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  res.end(data)
}
function page(items, url) {
  const limit = Math.min(Number(url.searchParams.get('limit') || 50), 200)
  const start = Number(url.searchParams.get('cursor') || 0)
  const slice = items.slice(start, start + limit)
  return { items: slice, next_cursor: start + limit < items.length ? String(start + limit) : null }
}
const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
function need(v, field) {
  if (v === undefined || v === null || String(v).trim() === '') fail(400, 'invalid_input', `${field} 不能为空`, field)
  return String(v).trim()
}
const loginAttempts = new Map()

async function api(req, res, url) {
  const m = req.method
  const p = url.pathname
  const cookies = Object.fromEntries((req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')))
  const sess = sessions.get(cookies.manyi_session)
  const user = sess ? users.get(sess.userId) : null
  const raw = m === 'GET' ? '' : await readBody(req)
  let body = {}
  if (raw && (req.headers['content-type'] ?? '').includes('json')) {
    try {
      body = JSON.parse(raw)
    } catch {
      fail(400, 'invalid_json', '请求体不是有效的 JSON')
    }
  }

  if (m === 'POST' && p === '/api/v1/auth/login') {
    const key = req.socket.remoteAddress + body.username
    const n = (loginAttempts.get(key) ?? 0) + 1
    if (n > 10) fail(429, 'too_many_attempts', '尝试次数过多，请稍后再试')
    const u = [...users.values()].find((x) => x.username === body.username)
    if (!u || u.password !== body.password || !u.active) {
      loginAttempts.set(key, n)
      fail(401, 'invalid_credentials', '用户名或密码错误')
    }
    loginAttempts.delete(key)
    const sid = crypto.randomBytes(16).toString('hex')
    const csrf = crypto.randomBytes(16).toString('hex')
    sessions.set(sid, { userId: u.id, csrf })
    log(req, u, 'auth.login', 'user', u.id, null, null)
    return send(res, 200, { csrf_token: csrf, user: meOut(u) }, { 'Set-Cookie': `manyi_session=${sid}; HttpOnly; Path=/; SameSite=Lax` })
  }
  if (!user) fail(401, 'unauthenticated', '请先登录')
  if (m !== 'GET' && req.headers['x-csrf-token'] !== sess.csrf) fail(403, 'csrf_failed', 'CSRF 校验失败')

  let mt
  if (m === 'POST' && p === '/api/v1/auth/logout') {
    sessions.delete(cookies.manyi_session)
    return send(res, 204, undefined, { 'Set-Cookie': 'manyi_session=; Path=/; Max-Age=0' })
  }
  if (m === 'GET' && p === '/api/v1/me') return send(res, 200, { csrf_token: sess.csrf, user: meOut(user) })
  if (m === 'POST' && p === '/api/v1/auth/password') {
    if (body.old_password !== user.password) fail(400, 'wrong_password', '原密码不正确', 'old_password')
    if (String(body.new_password ?? '').length < 8) fail(400, 'weak_password', '新密码至少 8 位', 'new_password')
    user.password = body.new_password
    user.must_change_password = false
    log(req, user, 'auth.password', 'user', user.id, null, null)
    return send(res, 204)
  }
  if (m === 'GET' && p === '/api/v1/roles') return send(res, 200, { items: ROLES })

  // org
  if (m === 'GET' && p === '/api/v1/org/nodes') {
    if (!can(user, 'org.read')) fail(403, 'forbidden', '无权限')
    const parent = url.searchParams.get('parent')
    let items
    if (parent) {
      if (!nodes.has(parent) || !inScope(user, parent)) fail(404, 'not_found', '节点不存在')
      items = [...nodes.values()].filter((n) => n.parent_id === parent)
    } else {
      const gs = user.grants.map((g) => g.node_id)
      items = gs.filter((id) => !ancestors(id).slice(0, -1).some((a) => gs.includes(a.id))).map((id) => nodes.get(id))
      items = [...new Map(items.map((n) => [n.id, n])).values()]
    }
    return send(res, 200, { items: items.map((n) => nodeOut(n)) })
  }
  if (m === 'GET' && p === '/api/v1/org/search') {
    const q = (url.searchParams.get('q') ?? '').trim()
    const items = [...nodes.values()].filter((n) => q && (n.name.includes(q) || n.code.includes(q)) && inScope(user, n.id)).slice(0, 50)
    return send(res, 200, { items: items.map((n) => nodeOut(n)) })
  }
  if ((mt = p.match(/^\/api\/v1\/org\/nodes\/(\d+)(\/move)?$/))) {
    const n = nodes.get(mt[1])
    if (!n) fail(404, 'not_found', '节点不存在')
    if (!inScope(user, n.id)) fail(403, 'forbidden', '无权访问该节点')
    if (m === 'GET' && !mt[2]) return send(res, 200, nodeOut(n, true))
    if (!can(user, 'org.write', n.id)) fail(403, 'forbidden', '无权限')
    if (m === 'PATCH' && !mt[2]) {
      for (const k of ['name', 'code']) if (body[k] !== undefined) n[k] = need(body[k], k)
      if (body.active !== undefined) n.active = !!body.active
      log(req, user, 'org.node.update', 'org_node', n.id, n.id, body)
      return send(res, 200, nodeOut(n, true))
    }
    if (m === 'POST' && mt[2]) {
      const to = nodes.get(String(body.parent_id))
      if (!to || !inScope(user, to.id)) fail(404, 'not_found', '目标节点不存在', 'parent_id')
      if (ancestors(to.id).some((a) => a.id === n.id)) fail(400, 'cycle', '不能移动到自己的下级', 'parent_id')
      n.parent_id = to.id
      log(req, user, 'org.node.move', 'org_node', n.id, n.id, { parent_id: to.id })
      return send(res, 200, nodeOut(n, true))
    }
  }
  if (m === 'POST' && p === '/api/v1/org/nodes') {
    const parent = nodes.get(String(body.parent_id))
    if (!parent || !inScope(user, parent.id)) fail(404, 'not_found', '上级节点不存在', 'parent_id')
    if (!can(user, 'org.write', parent.id)) fail(403, 'forbidden', '无权限')
    if (!KINDS.includes(body.kind)) fail(400, 'invalid_input', '类型无效', 'kind')
    const code = need(body.code, 'code')
    const name = need(body.name, 'name')
    if ([...nodes.values()].some((x) => x.parent_id === parent.id && x.code === code)) fail(409, 'duplicate_code', '同级下编码已存在', 'code')
    const n = addNode(parent.id, body.kind, code, name)
    log(req, user, 'org.node.create', 'org_node', n.id, n.id, { name, code, kind: n.kind })
    return send(res, 201, nodeOut(n, true))
  }

  // staff
  const staffOut = (s) => ({ ...s, node_name: nodes.get(s.node_id)?.name ?? '' })
  if (m === 'GET' && p === '/api/v1/staff') {
    if (!can(user, 'staff.read')) fail(403, 'forbidden', '无权限')
    const node = url.searchParams.get('node')
    const q = url.searchParams.get('q') ?? ''
    const cat = url.searchParams.get('category')
    const items = [...staff.values()].filter(
      (s) => inScope(user, s.node_id) && (!node || ancestors(s.node_id).some((a) => a.id === node)) && (!q || s.name.includes(q) || s.employee_no.includes(q)) && (!cat || s.category === cat),
    )
    return send(res, 200, page(items.map(staffOut), url))
  }
  function checkStaff(s, partial) {
    if (!partial || s.name !== undefined) s.name = need(s.name, 'name')
    if ((!partial || s.category !== undefined) && !CATEGORIES.includes(s.category)) fail(400, 'invalid_input', '类别无效', 'category')
    if (!partial || s.node_id !== undefined) {
      const n = nodes.get(String(s.node_id))
      if (!n || !inScope(user, n.id)) fail(400, 'invalid_input', '所属科室无效', 'node_id')
    }
  }
  if (m === 'POST' && p === '/api/v1/staff') {
    const s = { id: newId(), employee_no: need(body.employee_no, 'employee_no'), name: body.name, category: body.category, title: String(body.title ?? ''), node_id: String(body.node_id ?? ''), active: true }
    checkStaff(s)
    if ([...staff.values()].some((x) => x.employee_no === s.employee_no)) fail(409, 'duplicate_employee_no', '工号已存在', 'employee_no')
    staff.set(s.id, s)
    log(req, user, 'staff.create', 'staff', s.id, s.node_id, { employee_no: s.employee_no, name: s.name })
    return send(res, 201, staffOut(s))
  }
  if (m === 'PATCH' && (mt = p.match(/^\/api\/v1\/staff\/(\d+)$/))) {
    const s = staff.get(mt[1])
    if (!s || !inScope(user, s.node_id)) fail(404, 'not_found', '人员不存在')
    const next = { ...s, ...body }
    checkStaff(body.name !== undefined || body.category !== undefined || body.node_id !== undefined ? { ...body } : {}, true)
    Object.assign(s, next)
    log(req, user, 'staff.update', 'staff', s.id, s.node_id, body)
    return send(res, 200, staffOut(s))
  }
  if (m === 'POST' && p === '/api/v1/staff/import') {
    const mode = url.searchParams.get('mode')
    const lines = raw.split(/\r?\n/).filter((l) => l.trim())
    const header = (lines.shift() ?? '').split(',').map((h) => h.trim())
    const errors = []
    const good = []
    lines.forEach((line, i) => {
      const row = i + 2
      const cols = line.split(',')
      const r = Object.fromEntries(header.map((h, j) => [h, (cols[j] ?? '').trim()]))
      const n = [...nodes.values()].find((x) => x.code === r.node_code && inScope(user, x.id))
      const before = errors.length
      if (!r.employee_no) errors.push({ row, field: 'employee_no', message: '工号不能为空' })
      else if ([...staff.values()].some((x) => x.employee_no === r.employee_no)) errors.push({ row, field: 'employee_no', message: '工号已存在' })
      if (!r.name) errors.push({ row, field: 'name', message: '姓名不能为空' })
      if (!CATEGORIES.includes(r.category)) errors.push({ row, field: 'category', message: `类别无效：${r.category}` })
      if (!n) errors.push({ row, field: 'node_code', message: `找不到科室编码：${r.node_code}` })
      if (errors.length === before) good.push({ id: newId(), employee_no: r.employee_no, name: r.name, category: r.category, title: r.title ?? '', node_id: n.id, active: true })
    })
    if (mode === 'all_or_nothing' && errors.length) return send(res, 422, { imported: 0, errors })
    for (const s of good) staff.set(s.id, s)
    log(req, user, 'staff.import', 'staff', null, null, { imported: good.length, errors: errors.length, mode })
    return send(res, 200, { imported: good.length, errors })
  }

  // users
  if (m === 'GET' && p === '/api/v1/users') {
    if (!can(user, 'user.read')) fail(403, 'forbidden', '无权限')
    const node = url.searchParams.get('node')
    const q = url.searchParams.get('q') ?? ''
    const items = [...users.values()].filter(
      (u) => (u.grants.length === 0 || u.grants.some((g) => inScope(user, g.node_id))) && (!q || u.username.includes(q) || u.display_name.includes(q)) && (!node || u.grants.some((g) => ancestors(g.node_id).some((a) => a.id === node))),
    )
    return send(res, 200, page(items.map(userOut), url))
  }
  if (m === 'POST' && p === '/api/v1/users') {
    if (!can(user, 'user.write')) fail(403, 'forbidden', '无权限')
    const username = need(body.username, 'username')
    if ([...users.values()].some((u) => u.username === username)) fail(409, 'duplicate_username', '用户名已存在', 'username')
    if (String(body.password ?? '').length < 8) fail(400, 'weak_password', '密码至少 8 位', 'password')
    const u = addUser(username, need(body.display_name, 'display_name'), [], { password: body.password, must_change_password: body.must_change_password !== false })
    log(req, user, 'user.create', 'user', u.id, null, { username })
    return send(res, 201, userOut(u))
  }
  if ((mt = p.match(/^\/api\/v1\/users\/(\d+)(?:\/grants(?:\/(\d+))?)?$/))) {
    const u = users.get(mt[1])
    if (!u) fail(404, 'not_found', '用户不存在')
    if (m === 'PATCH' && !p.includes('/grants')) {
      if (body.display_name !== undefined) u.display_name = need(body.display_name, 'display_name')
      if (body.active !== undefined) u.active = !!body.active
      log(req, user, 'user.update', 'user', u.id, null, body)
      return send(res, 200, userOut(u))
    }
    if (m === 'POST' && p.endsWith('/grants')) {
      if (!ROLES.some((r) => r.code === body.role)) fail(400, 'invalid_input', '角色无效', 'role')
      const n = nodes.get(String(body.node_id))
      if (!n || !inScope(user, n.id)) fail(400, 'invalid_input', '授权节点无效', 'node_id')
      if (!can(user, 'user.write', n.id)) fail(403, 'forbidden', '无权在该节点授权')
      const g = { id: newId(), role: body.role, node_id: n.id }
      u.grants.push(g)
      log(req, user, 'user.grant', 'user', u.id, n.id, { role: g.role, node_id: n.id })
      return send(res, 201, grantOut(g))
    }
    if (m === 'DELETE' && mt[2]) {
      const g = u.grants.find((x) => x.id === mt[2])
      if (!g) fail(404, 'not_found', '授权不存在')
      u.grants = u.grants.filter((x) => x !== g)
      log(req, user, 'user.revoke', 'user', u.id, g.node_id, { role: g.role })
      return send(res, 204)
    }
  }

  if (m === 'GET' && p === '/api/v1/audit') {
    if (!can(user, 'audit.read')) fail(403, 'forbidden', '无权限')
    const node = url.searchParams.get('node')
    const who = url.searchParams.get('user')
    const from = Number(url.searchParams.get('from') || 0)
    const to = Number(url.searchParams.get('to') || Infinity)
    const items = audit
      .filter((a) => (!who || a.username === who || a.user_id === who) && a.at >= from && a.at <= to && (!node || (a.node_id && ancestors(a.node_id).some((x) => x.id === node))))
      .slice()
      .reverse()
    return send(res, 200, page(items, url))
  }
  fail(404, 'not_found', '接口不存在')
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' }
function serveStatic(req, res, url) {
  let file = path.join(WEB, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''))
  if (!file.startsWith(WEB) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(WEB, 'index.html')
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
  fs.createReadStream(file).pipe(res)
}

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x')
    if (!url.pathname.startsWith('/api/')) return serveStatic(req, res, url)
    try {
      await api(req, res, url)
    } catch (e) {
      if (e instanceof Fail) send(res, e.status, { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } })
      else {
        console.error(e)
        send(res, 500, { error: { code: 'internal', message: '服务器内部错误' } })
      }
    }
  })
  .listen(PORT, '127.0.0.1', () => console.log(`mock manyi on http://127.0.0.1:${PORT} (web: ${WEB})`))
