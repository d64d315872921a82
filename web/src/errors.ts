// API errors as the console shows them. The server answers {"error":{"code","message","field"}}
// with an English message; in Chinese the console shows only a Chinese sentence chosen by the
// code (for invalid_field, with the field's Chinese name; for forbidden, the permission's
// Chinese name) — the server's English is kept apart as `detail`, for a collapsed 详情 at most.
// In English the server's own message is shown, or the English sentence of the code.
import { currentLang, type Lang } from './i18n'
import { permissionName } from './i18n/permissions'

/** The shape of an ApiError (duck-typed so this module does not depend on api.ts). */
export interface ErrorInfo {
  status?: number
  code?: string
  message?: string
  field?: string
}

/** Chinese sentence per error code. */
export const CODE_ZH: Record<string, string> = {
  // sessions and access
  unauthenticated: '登录已失效，请重新登录',
  invalid_credentials: '用户名或密码错误',
  too_many_attempts: '登录失败次数过多，请稍后再试',
  password_change_required: '请先修改密码后再继续操作',
  csrf_failed: '页面已过期，请刷新页面后重试',
  forbidden: '您没有权限执行此操作',
  rate_limited: '操作过于频繁，请稍后再试',
  shutting_down: '服务器正在重启，请稍后重试',
  server_busy: '服务器繁忙，请稍后重试',
  backup_damaged: '备份文件未通过完整性检查，无法用于恢复',
  database_in_use: '数据库正在被服务使用，请先停止所有服务再恢复',
  lock_file: '无法打开数据库锁文件',
  restore_not_sqlite: '恢复命令只用于 SQLite；PostgreSQL 请按运维文档用 pg_restore 恢复',
  database_unavailable: '数据库暂时无法连接，请稍后重试',
  database_busy: '系统繁忙，请稍后重试',
  demo_incomplete: '演示数据不完整：缺少演示账号、单位或检查表',
  schema_behind: '数据库版本低于当前程序版本，请联系管理员执行升级',
  // requests
  not_found: '记录不存在、已被删除或不在您的管辖范围内',
  method_not_allowed: '不支持此操作',
  not_supported: '当前环境不支持此操作',
  bad_request: '请求格式有误',
  unsupported_media_type: '提交的数据类型不受支持，请刷新页面后重试',
  malformed_json: '提交的数据格式有误，请刷新页面后重试',
  empty_body: '提交的内容为空',
  body_too_large: '提交的内容过大，请精简内容或压缩附件后重试',
  headers_too_large: '请求头过大，请清除浏览器缓存后重试',
  invalid_field: '填写的内容有误，请检查后重新提交',
  internal_error: '服务器内部错误，请稍后重试；如持续出现请联系管理员',
  network_error: '网络异常，请检查网络连接后重试',
  bad_data_key: '服务器数据密钥配置有误，请联系管理员',
  no_data_key: '服务器未加载数据密钥，请联系管理员',
  data_key_mismatch: '服务器数据密钥与数据库不符，请联系管理员',
  data_key_file: '服务器无法读写数据密钥文件，请联系管理员',
  undecryptable: '个人信息无法解密，请联系管理员',
  schema_too_new: '数据库版本高于当前程序版本，请联系管理员',
  bad_db_url: '数据库地址配置有误',
  // records
  duplicate: '已存在相同的记录',
  constraint_violation: '数据存在冲突，请刷新后重试',
  duplicate_code: '编码已被使用，请换一个编码',
  duplicate_employee_no: '该工号在本单位已存在',
  duplicate_grant: '该用户在此节点已有这个角色',
  duplicate_username: '用户名已被占用',
  has_active_children: '请先停用其下级节点',
  parent_inactive: '请先启用上级节点',
  not_empty: '数据库中已有数据，不能重复初始化',
  unchanged: '内容没有变化，无需保存',
  // surveys and ratings
  point_not_found: '此二维码无效或已停用',
  already_rated: '您已评价过，感谢您的反馈',
  receipt_not_found: '没有找到这条评价',
  case_exists: '该评价已有差评工单',
  case_pending: '差评工单正在创建，请稍后刷新',
  case_not_opened: '差评工单未能创建，错误已记录',
  not_valid: '该评价尚未通过审核，不能创建工单',
  already_rejected: '该评价已被剔除',
  not_pending: '只有待审核的评价可以执行此操作',
  no_point: '该科室没有可用的评价点',
  duplicate_point: '该科室/窗口（或人员）已有使用同一问卷的评价点',
  no_template: '缺少系统内置的问卷模板',
  unpublished: '该模板尚未发布',
  closed: '该记录已办结，不能再修改',
  duplicate_form_no: '「纸质表单编号」已录入过：该评价点的这张表单已经录入，请核对编号，不要重复录入',
  future_date: '「填表日期」不能晚于今天',
  before_point: '「填表日期」早于该评价点的设立日期，请核对日期',
  too_few_attempts: '连续 3 次未接通后才能标记为无法联系，请继续拨打',
  callback_in_past: '「预约回访时间」已经过去，请选择以后的时间',
  // cases
  invalid_state: '案件当前状态不允许此操作，请刷新后查看最新状态',
  invalid_transition: '案件当前状态不允许此操作，请刷新后查看最新状态',
  transfer_pending: '案件有一项转办正在等待对方接收，请等待处理结果',
  no_transfer: '没有待处理的转办',
  nowhere_to_return: '没有可退回的上级单位',
  extension_pending: '已有一项延期申请正在等待审批',
  no_extension: '没有待审批的延期申请',
  past_deadline: '已超过办理期限（整改时限），不能再申请延期',
  reply_required: '须先答复投诉人，才能办结此案件',
  already_closed: '案件已办结',
  already_merged: '案件已合并',
  // rectification ledger (整改台账)
  owner_cannot_verify: '责任单位不能验收、销号或撤销本单位的整改事项，须由上级部门验收',
  // imports (staff, discharged patients)
  import_rejected: '文件中有错误，未导入任何记录，请按提示修改后重新导入',
  unsupported_file: '无法读取该文件：请上传 Excel（.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）',
  empty_file: '文件是空的',
  file_too_large: '文件过大，请分批导入',
  too_many_rows: '文件行数过多（每次最多 20000 行），请分批导入',
  too_many_columns: '文件列数过多，请删除无关的列',
  cell_too_long: '文件中有单元格内容过长',
  missing_column: '文件表头缺少必需的列，请使用下载的模板',
  // attachments
  unsupported_type: '只能上传图片（JPG、PNG、GIF、WebP）或 PDF 文件；文件类型按内容识别，改扩展名无效',
  too_many_attachments: '附件数量已达上限，不能再上传',
  attachment_window_closed: '已超过上传附件的时限',
  // inspections (检查计划、任务、暗访)
  already_confirmed: '本次检查的问题已确认，不能重复确认',
  draft_id_used: '该草稿编号已用于另一项检查任务，请重新打开任务后提交',
  inspection_final: '检查结果已定稿，不能再添加照片',
  not_published: '暗访结果尚未发布，发布后才能确认问题',
  plan_archived: '该检查计划已停用',
  task_done: '该检查任务已完成，不能重复提交',
  // public tracking
  track_locked: '该查询码的手机号后四位多次输入错误，已暂停查询，请一小时后再试',
}

/** English sentence per error code (shown when the server's message is missing or not for users). */
export const CODE_EN: Record<string, string> = {
  // sessions and access
  unauthenticated: 'Your session has expired; please sign in again',
  invalid_credentials: 'Wrong username or password',
  password_change_required: 'Please change your password before continuing',
  csrf_failed: 'The page has expired: reload it and try again',
  forbidden: 'You do not have permission to do this',
  rate_limited: 'Too many requests; please try again later',
  shutting_down: 'The server is restarting; please try again shortly',
  server_busy: 'The server is busy; please try again shortly',
  backup_damaged: 'The backup failed its integrity check and cannot be restored',
  database_in_use: 'The database is in use by a server; stop every server before restoring',
  lock_file: 'The database lock file cannot be opened',
  restore_not_sqlite: 'restore is for SQLite; restore PostgreSQL with pg_restore as docs/operations.md describes',
  database_unavailable: 'The database cannot be reached at the moment; please try again shortly',
  database_busy: 'The system is busy; please try again shortly',
  demo_incomplete: 'The demo data is incomplete: a demo login, unit or checklist is missing',
  schema_behind: 'The database is older than this program; ask the administrator to upgrade it',
  // requests
  not_found: 'The record does not exist, was deleted, or is outside your scope',
  method_not_allowed: 'This operation is not supported',
  not_supported: 'This operation is not supported here',
  bad_request: 'The request is malformed',
  malformed_json: 'The submitted data is malformed; reload the page and try again',
  empty_body: 'Nothing was submitted',
  body_too_large: 'The submission is too large; shorten it or compress the attachments',
  headers_too_large: 'The request headers are too large; clear the browser cache and try again',
  invalid_field: 'Some input is not valid; check it and submit again',
  internal_error: 'Internal server error; please try again later',
  network_error: 'Network error: check your connection and try again',
  bad_data_key: 'The server data key is misconfigured; contact the administrator',
  no_data_key: 'The server has no data key loaded; contact the administrator',
  data_key_mismatch: "The server's data key does not match the database; contact the administrator",
  data_key_file: 'The server cannot read or write its data key file; contact the administrator',
  undecryptable: 'Personal data cannot be decrypted; contact the administrator',
  schema_too_new: 'The database is newer than this program; contact the administrator',
  bad_db_url: 'The database address is misconfigured',
  // records
  duplicate: 'The same record already exists',
  constraint_violation: 'The data conflicts with existing records; reload and try again',
  duplicate_code: 'The code is already in use; choose another',
  duplicate_employee_no: 'This employee number already exists in the unit',
  duplicate_grant: 'The user already has this role on this node',
  duplicate_username: 'The username is taken',
  has_active_children: 'Deactivate the child nodes first',
  parent_inactive: 'Activate the parent node first',
  not_empty: 'The database already holds data and cannot be initialised again',
  unchanged: 'Nothing changed; there is nothing to save',
  // surveys and ratings
  point_not_found: 'This QR code is not valid or has been deactivated',
  already_rated: 'You have already rated; thank you for your feedback',
  case_exists: 'This rating already has a bad-review case',
  case_pending: 'The bad-review case is being created; refresh shortly',
  case_not_opened: 'The bad-review case could not be created; the error has been logged',
  not_valid: 'This rating has not passed review; no case can be opened',
  already_rejected: 'This rating has already been rejected',
  not_pending: 'Only ratings awaiting review allow this',
  no_point: 'This department has no rating point',
  no_template: 'The built-in survey template is missing',
  unpublished: 'This template has not been published',
  closed: 'This record is closed and can no longer be changed',
  duplicate_form_no: 'This paper form number has already been entered at this collection point; check the number',
  future_date: 'The date filled in cannot be after today',
  before_point: 'The date filled in is before the collection point was set up; check the date',
  too_few_attempts: 'A patient can be marked unreachable only after 3 failed calls; keep trying',
  callback_in_past: 'The call-back time has passed; choose a later time',
  // cases
  invalid_state: 'The case is in a state that does not allow this; reload to see its latest state',
  invalid_transition: 'The case is in a state that does not allow this; reload to see its latest state',
  transfer_pending: 'A transfer of this case is waiting for the other unit to accept it',
  no_transfer: 'There is no pending transfer',
  nowhere_to_return: 'There is no unit above to return the case to',
  extension_pending: 'An extension request is already waiting for approval',
  no_extension: 'There is no extension request waiting for approval',
  past_deadline: 'The deadline has passed; an extension can no longer be requested',
  reply_required: 'Reply to the complainant before closing the case',
  already_closed: 'The case is already closed',
  already_merged: 'The case has already been merged',
  // rectification ledger
  owner_cannot_verify: "The owner unit may not verify, close or cancel its own rectification item; a supervising unit verifies it",
  // attachments
  unsupported_type: 'Only images (JPG, PNG, GIF, WebP) or PDF files can be uploaded; the type is read from the content',
  too_many_attachments: 'The maximum number of attachments has been reached',
  attachment_window_closed: 'The time for adding attachments has passed',
  receipt_not_found: 'No such rating (unknown receipt)',
  duplicate_point: 'This department/window (or person) already has a point with the same survey',
  // imports (staff, discharged patients)
  import_rejected: 'The file has errors and nothing was imported; correct them and import again',
  unsupported_file: 'The file cannot be read: upload an Excel (.xlsx) or CSV file (UTF-8 or GBK)',
  empty_file: 'The file is empty',
  file_too_large: 'The file is too large; import it in parts',
  too_many_rows: 'The file has too many rows (at most 20,000 per import); import it in parts',
  too_many_columns: 'The file has too many columns; remove the ones not needed',
  cell_too_long: 'A cell in the file is too long',
  missing_column: 'The header lacks a required column; use the template',
  already_confirmed: 'The findings of this inspection have already been confirmed',
  draft_id_used: 'This draft id was used for another inspection task; reopen the task and submit again',
  inspection_final: 'The inspection is final; no more photos can be added',
  not_published: 'The covert visit is not published yet; publish it before confirming findings',
  plan_archived: 'This inspection plan has been archived',
  task_done: 'This inspection task is already done',
  track_locked: 'Too many wrong phone digits for this tracking code; tracking is paused, try again in an hour',
  too_many_attempts: 'Too many failed sign-in attempts; please wait a while and try again',
  unsupported_media_type: 'This kind of request data is not accepted; reload the page and try again',
}

/** Codes whose server message is not meant for users: in English the code's sentence is shown. */
const EN_OWN_SENTENCE = new Set(['network_error', 'internal_error', 'csrf_failed'])

/** Chinese names of request fields (JSON body fields and query parameters). */
export const FIELD_ZH: Record<string, string> = {
  cadence: '检查频次',
  covert: '暗访',
  draft_id: '草稿编号',
  findings: '发现的问题',
  inspectors: '检查人员',
  mine: '我的任务',
  node_ids: '检查对象',
  node_kind: '对象类型',
  plan: '检查计划',
  scope_node_id: '检查范围',
  self_inspection: '自查',
  window_from: '开始日期',
  window_to: '结束日期',
  active: '状态',
  allow_duplicate: '重复确认',
  answers: '答题内容',
  approve: '审批结果',
  attachment: '附件',
  bureau_after_days: '督办间隔',
  callback: '回访结果',
  callback_at: '预约回访时间',
  category: '分类',
  cause: '原因分析',
  channel: '来源渠道',
  code: '编码',
  comment: '留言',
  complainant_name: '姓名',
  complainant_phone: '联系电话',
  content: '内容',
  contingency: '应急预案',
  csv: 'CSV 文件',
  cursor: '分页位置',
  date: '日期',
  days: '天数',
  db: '数据库地址',
  deadline: '整改时限',
  decision: '处理决定',
  definition: '模板定义',
  device: '设备',
  display_name: '姓名',
  due: '应访日期',
  due_days: '办理时限',
  due_until: '应访日期',
  elapsed_ms: '答题用时',
  employee_no: '工号',
  episode: '可疑评价事件',
  file: '文件',
  followup_target: '回访对象',
  filled_on: '填表日期',
  form_no: '纸质表单编号',
  from: '开始日期',
  funds: '整改资金',
  hazard: '安全隐患',
  into_id: '合并目标案件',
  keywords: '关键词',
  item: '检查项',
  kind: '节点类型',
  level: '预警级别',
  limit: '每页条数',
  listen: '监听地址',
  measures: '整改措施',
  min_n: '最少样本量',
  mode: '导入方式',
  month: '月份',
  multi_days: '多部门办理时限',
  multi_dept: '多部门协办',
  must_change_password: '首次登录改密',
  name: '名称',
  name_en: '英文名称',
  needs_rectification: '需整改',
  needs_callback: '需要回访',
  new_password: '新密码',
  node: '组织节点',
  node_id: '单位/科室',
  note: '说明',
  notes: '备注',
  old_password: '原密码',
  outcome: '核实结论',
  overall: '总体评价',
  overdue: '只看逾期',
  owner_node_id: '责任单位',
  parent: '上级分类',
  parent_id: '上级节点',
  password: '密码',
  end_other_sessions: '结束其他设备上的登录',
  period: '统计周期',
  phone: '手机号',
  phone_last4: '手机号后四位',
  point: '服务点',
  point_id: '服务点',
  perm: '权限',
  problem: '问题',
  public: '公示',
  q: '关键字',
  queue: '案件队列',
  quarter: '季度',
  reason: '理由',
  reply: '答复内容',
  reply_days: '答复时限',
  responsible: '责任人',
  responsible_staff_ids: '责任人',
  responsible_user_id: '责任人',
  result: '回访结果',
  role: '角色',
  scale: '评分量表',
  score: '分数',
  sensitive: '涉及廉洁',
  series: '指标',
  severity: '隐患等级',
  sort: '排序',
  source: '来源',
  source_ref: '来源编号',
  staff_id: '人员',
  state: '状态',
  status: '状态',
  target: '目标值',
  template: '模板',
  subject: '检查对象',
  template_id: '模板',
  ticket: '凭据',
  title: '标题',
  to: '结束日期',
  to_node_id: '转办单位',
  tracking_code: '查询码',
  type: '类型',
  unit: '单位',
  unit_id: '责任单位',
  until: '延至日期',
  url: '公网地址',
  user_id: '用户',
  username: '用户名',
  version_id: '版本',
  warn_ratio: '预警比例',
  whole_unit: '打印范围',
  workday: '工作日',
  year: '年份',
  years: '年份',
}

const HAS_CJK = /[\u3400-\u9fff]/

function byStatus(status: number | undefined, table: Record<string, string>): string {
  if (!status) return table.network_error
  if (status === 401) return table.unauthenticated
  if (status === 403) return table.forbidden
  if (status === 404) return table.not_found
  if (status === 409) return table === CODE_ZH ? '操作与当前数据冲突，请刷新后重试' : 'The action conflicts with the current data; reload and try again'
  if (status === 413) return table.body_too_large
  if (status === 422) return table.invalid_field
  if (status === 429) return table.rate_limited
  if (status >= 500) return table.internal_error
  return table === CODE_ZH ? '操作失败' : 'Request failed'
}

export interface ErrorText {
  /** The sentence to show, wholly in the given language. */
  text: string
  /** The server's own message and code, for support (a collapsed 详情), or empty. Never shown inline in Chinese. */
  detail: string
}

/** The permission a 403 names at the end of its message: "your role does not allow this (user.read)". */
function missingPermission(message: string): string | undefined {
  return /\(([a-z_]+\.[a-z_]+)\)\s*$/.exec(message)?.[1]
}

/** What to show for an API error, in the given language. */
export function describeError(e: ErrorInfo, lang: Lang = currentLang()): ErrorText {
  const code = e.code ?? ''
  const message = (e.message ?? '').trim()
  const perm = code === 'forbidden' ? missingPermission(message) : undefined
  if (lang === 'en') {
    const permEn = perm ? permissionName(perm, 'en') : undefined
    if (permEn) return { text: `${CODE_EN.forbidden} (needs the permission “${permEn}”)`, detail: '' }
    const own = message && !HAS_CJK.test(message) && !EN_OWN_SENTENCE.has(code)
    return { text: own ? message : (CODE_EN[code] ?? byStatus(e.status, CODE_EN)), detail: '' }
  }
  const support = quiet.has(code) || HAS_CJK.test(message) ? '' : [code, e.field, message].filter(Boolean).join(' · ')
  if (code === 'invalid_field') {
    const label = e.field ? FIELD_ZH[e.field] : undefined
    return { text: label ? `「${label}」填写有误，请检查后重新提交` : CODE_ZH.invalid_field, detail: support }
  }
  const permZh = perm ? permissionName(perm, 'zh-CN') : undefined
  if (permZh) return { text: `${CODE_ZH.forbidden}（需要「${permZh}」权限）`, detail: support }
  const known = CODE_ZH[code]
  if (known) return { text: known, detail: support }
  if (message && HAS_CJK.test(message)) return { text: message, detail: '' }
  return { text: byStatus(e.status, CODE_ZH), detail: support }
}

/** Codes whose server message adds nothing for the user. */
const quiet = new Set(['unauthenticated', 'invalid_credentials', 'too_many_attempts', 'csrf_failed', 'password_change_required', 'rate_limited', 'network_error', 'internal_error'])

/** One line in the given language: "「手机号」填写有误，请检查后重新提交". */
export function errorText(e: unknown, lang: Lang = currentLang()): string {
  return describeError(asInfo(e), lang).text
}

export function asInfo(e: unknown): ErrorInfo {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>
    return {
      status: typeof o.status === 'number' ? o.status : undefined,
      code: typeof o.code === 'string' ? o.code : o instanceof Error ? 'network_error' : undefined,
      message: typeof o.message === 'string' ? o.message : undefined,
      field: typeof o.field === 'string' ? o.field : undefined,
    }
  }
  return { code: 'network_error', message: typeof e === 'string' ? e : '' }
}
