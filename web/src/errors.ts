// API errors as the console shows them. The server answers {"error":{"code","message","field"}}
// with an English message; in Chinese the console shows a Chinese sentence chosen by the code
// (and, for invalid_field, the field's Chinese name), keeping the server's message as a
// secondary detail. In English the server's own message is shown.
import { currentLang, type Lang } from './i18n'

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
  too_many_attempts: '登录失败次数过多，账号已暂时锁定，请稍后再试',
  password_change_required: '请先修改密码后再继续操作',
  csrf_failed: '页面已过期，请刷新页面后重试',
  forbidden: '您没有权限执行此操作',
  rate_limited: '操作过于频繁，请稍后再试',
  shutting_down: '服务器正在重启，请稍后重试',
  // requests
  not_found: '记录不存在、已被删除或不在您的管辖范围内',
  method_not_allowed: '不支持此操作',
  not_supported: '当前环境不支持此操作',
  bad_request: '请求格式有误',
  malformed_json: '提交的数据格式有误，请刷新页面后重试',
  empty_body: '提交的内容为空',
  body_too_large: '提交的内容过大，请精简内容或压缩附件后重试',
  invalid_field: '填写的内容有误，请检查后重新提交',
  internal_error: '服务器内部错误，请稍后重试；如持续出现请联系管理员',
  network_error: '网络异常，请检查网络连接后重试',
  bad_data_key: '服务器数据密钥配置有误，请联系管理员',
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
  case_exists: '该评价已有差评工单',
  case_pending: '差评工单正在创建，请稍后刷新',
  case_not_opened: '差评工单未能创建，错误已记录',
  not_valid: '该评价尚未通过审核，不能创建工单',
  already_rejected: '该评价已被剔除',
  not_pending: '只有待审核的评价可以执行此操作',
  no_point: '该科室没有可用的评价点',
  no_template: '缺少系统内置的问卷模板',
  unpublished: '该模板尚未发布',
  closed: '该记录已办结，不能再修改',
  // cases
  invalid_state: '案件当前状态不允许此操作，请刷新后查看最新状态',
  invalid_transition: '案件当前状态不允许此操作，请刷新后查看最新状态',
  transfer_pending: '案件有一项转办正在等待对方接收，请等待处理结果',
  no_transfer: '没有待处理的转办',
  nowhere_to_return: '没有可退回的上级单位',
  extension_pending: '已有一项延期申请正在等待审批',
  no_extension: '没有待审批的延期申请',
  past_deadline: '已超过办理期限，不能再申请延期',
  reply_required: '须先答复投诉人，才能办结此案件',
  already_closed: '案件已办结',
  already_merged: '案件已合并',
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
}

/** English fallbacks for codes whose server message is not meant for end users. */
const CODE_EN: Record<string, string> = {
  network_error: 'Network error: check your connection and try again',
  internal_error: 'Internal server error; please try again later',
  csrf_failed: 'The page has expired: reload it and try again',
}

/** Chinese names of request fields (JSON body fields and query parameters). */
export const FIELD_ZH: Record<string, string> = {
  active: '状态',
  answers: '答题内容',
  approve: '审批结果',
  attachment: '附件',
  bureau_after_days: '督办间隔',
  callback: '回访结果',
  category: '分类',
  channel: '来源渠道',
  code: '编码',
  comment: '留言',
  complainant_name: '姓名',
  complainant_phone: '联系电话',
  content: '内容',
  csv: 'CSV 文件',
  cursor: '分页位置',
  date: '日期',
  days: '天数',
  db: '数据库地址',
  decision: '处理决定',
  definition: '模板定义',
  device: '设备',
  display_name: '姓名',
  due_days: '办理时限',
  elapsed_ms: '答题用时',
  employee_no: '工号',
  file: '文件',
  followup_target: '回访对象',
  from: '开始日期',
  into_id: '合并目标案件',
  keywords: '关键词',
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
  old_password: '原密码',
  outcome: '核实结论',
  overall: '总体评价',
  owner_node_id: '责任单位',
  parent: '上级分类',
  parent_id: '上级节点',
  password: '密码',
  period: '统计周期',
  phone: '手机号',
  phone_last4: '手机号后四位',
  point: '服务点',
  point_id: '服务点',
  q: '关键字',
  quarter: '季度',
  reason: '理由',
  reply: '答复内容',
  reply_days: '答复时限',
  responsible_staff_ids: '责任人',
  result: '回访结果',
  role: '角色',
  scale: '评分量表',
  score: '分数',
  sensitive: '涉及廉洁',
  sort: '排序',
  staff_id: '人员',
  state: '状态',
  status: '状态',
  target: '目标值',
  template: '模板',
  template_id: '模板',
  ticket: '凭据',
  title: '标题',
  to: '结束日期',
  to_node_id: '转办单位',
  tracking_code: '查询码',
  type: '类型',
  unit: '单位',
  user_id: '用户',
  username: '用户名',
  version_id: '版本',
  warn_ratio: '预警比例',
  workday: '工作日',
  year: '年份',
  years: '年份',
}

const HAS_CJK = /[\u3400-\u9fff]/

function byStatus(status: number | undefined): string {
  if (!status) return CODE_ZH.network_error
  if (status === 401) return CODE_ZH.unauthenticated
  if (status === 403) return CODE_ZH.forbidden
  if (status === 404) return CODE_ZH.not_found
  if (status === 409) return '操作与当前数据冲突，请刷新后重试'
  if (status === 413) return CODE_ZH.body_too_large
  if (status === 422) return CODE_ZH.invalid_field
  if (status === 429) return CODE_ZH.rate_limited
  if (status >= 500) return CODE_ZH.internal_error
  return '操作失败'
}

export interface ErrorText {
  /** The sentence to show. */
  text: string
  /** A secondary detail (the server's message in Chinese mode), or empty. */
  detail: string
}

/** What to show for an API error, in the given language. */
export function describeError(e: ErrorInfo, lang: Lang = currentLang()): ErrorText {
  const code = e.code ?? ''
  const message = (e.message ?? '').trim()
  if (lang === 'en') {
    const text = CODE_EN[code] ?? (message || code || 'Request failed')
    return { text, detail: '' }
  }
  if (code === 'invalid_field') {
    const label = e.field ? FIELD_ZH[e.field] : undefined
    if (label) return { text: `「${label}」填写有误，请检查后重新提交`, detail: message }
    return { text: CODE_ZH.invalid_field, detail: e.field ? `${e.field}: ${message}` : message }
  }
  const known = CODE_ZH[code]
  if (known) {
    // A message already written in Chinese for the user repeats the sentence: leave it out.
    const chinese = HAS_CJK.test(message.charAt(0))
    const detail = message && message !== known && !chinese && !quiet.has(code) ? message : ''
    return { text: known, detail }
  }
  if (message && HAS_CJK.test(message)) return { text: message, detail: '' }
  return { text: byStatus(e.status), detail: message || code }
}

/** Codes whose server message adds nothing for the user. */
const quiet = new Set(['unauthenticated', 'invalid_credentials', 'csrf_failed', 'password_change_required', 'rate_limited', 'network_error', 'internal_error'])

/** One line: "「手机号」填写有误，请检查后重新提交（phone must be …）". */
export function errorText(e: unknown, lang: Lang = currentLang()): string {
  const d = describeError(asInfo(e), lang)
  return d.detail ? `${d.text}（${d.detail}）` : d.text
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
