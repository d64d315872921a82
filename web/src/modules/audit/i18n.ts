// The audit log in words: every action the server records (src/**/*.cpp, audit::record) and
// every kind of object, in Chinese and English. A test fails when the server records an action
// or object that is not here.
import type { Lang } from '../../i18n'

type Words = { zh: string; en: string }

export const AUDIT_ACTIONS: Record<string, Words> = {
  'auth.login': { zh: '登录', en: 'Signed in' },
  'auth.login_failed': { zh: '登录失败', en: 'Failed sign-in' },
  'auth.logout': { zh: '退出登录', en: 'Signed out' },
  'auth.session.end': { zh: '结束登录设备', en: 'Ended a signed-in device' },
  'auth.sessions.end_others': { zh: '结束其他设备上的登录', en: 'Ended sign-ins on other devices' },
  'org.node.create': { zh: '新建组织节点', en: 'Created an organisation node' },
  'org.node.update': { zh: '修改组织节点', en: 'Edited an organisation node' },
  'org.node.activate': { zh: '启用组织节点', en: 'Activated an organisation node' },
  'org.node.deactivate': { zh: '停用组织节点', en: 'Deactivated an organisation node' },
  'org.node.move': { zh: '调整上级节点', en: 'Moved an organisation node' },
  'staff.create': { zh: '新增人员', en: 'Added a staff member' },
  'staff.update': { zh: '修改人员', en: 'Edited a staff member' },
  'staff.import': { zh: '导入人员', en: 'Imported staff' },
  'user.create': { zh: '新建用户', en: 'Created a user' },
  'user.update': { zh: '修改用户', en: 'Edited a user' },
  'user.deactivate': { zh: '停用用户', en: 'Deactivated a user' },
  'user.password': { zh: '重置密码', en: 'Reset a password' },
  'user.grant': { zh: '授予角色', en: 'Granted a role' },
  'user.revoke': { zh: '撤销角色', en: 'Revoked a role' },
  'calendar.set': { zh: '设置工作日历', en: 'Set a calendar day' },
  'calendar.import': { zh: '导入工作日历', en: 'Imported the calendar' },
  'case.open': { zh: '登记投诉案件', en: 'Registered a case' },
  'case.accept': { zh: '受理案件', en: 'Accepted a case' },
  'case.assign': { zh: '分派承办人', en: 'Assigned a case' },
  'case.transfer': { zh: '转办案件', en: 'Transferred a case' },
  'case.transfer_accept': { zh: '接收转办', en: 'Accepted a transfer' },
  'case.transfer_decline': { zh: '退回转办', en: 'Declined a transfer' },
  'case.return': { zh: '退回上级', en: 'Returned a case upwards' },
  'case.merge': { zh: '合并案件', en: 'Merged a case' },
  'case.reject': { zh: '不予受理', en: 'Rejected a case' },
  'case.pause': { zh: '暂停计时', en: 'Paused a case' },
  'case.resume': { zh: '恢复计时', en: 'Resumed a case' },
  'case.extension_request': { zh: '申请延期', en: 'Requested an extension' },
  'case.extension_approve': { zh: '批准延期', en: 'Approved an extension' },
  'case.extension_deny': { zh: '驳回延期', en: 'Denied an extension' },
  'case.reply': { zh: '答复投诉人', en: 'Replied to the complainant' },
  'case.callback': { zh: '回访', en: 'Called back' },
  'case.close': { zh: '办结案件', en: 'Closed a case' },
  'case.supervise': { zh: '督办案件', en: 'Supervised a case' },
  'case.escalate': { zh: '逾期升级', en: 'Escalated an overdue case' },
  'case.note': { zh: '添加备注', en: 'Added a note' },
  'case.attach': { zh: '上传附件', en: 'Added an attachment' },
  'case.contact.reveal': { zh: '查看投诉人联系方式', en: "Viewed the complainant's contact details" },
  'data_key.rotate': { zh: '更换数据密钥', en: 'Rotated the data key' },
  'case.export': { zh: '导出投诉数据', en: 'Exported cases' },
  'case.category.save': { zh: '保存投诉分类', en: 'Saved a case category' },
  'case.sla.save': { zh: '保存办理时限', en: 'Saved case deadlines' },
  'feedback.rating.enter': { zh: '代录评价', en: 'Entered a rating' },
  'feedback.rating.accept': { zh: '评价审核通过', en: 'Accepted a rating' },
  'feedback.rating.reject': { zh: '剔除评价', en: 'Rejected a rating' },
  'feedback.episode.accept': { zh: '可疑评价事件全部通过', en: 'Accepted every rating of a suspect-rating episode' },
  'feedback.episode.reject': { zh: '可疑评价事件全部驳回', en: 'Rejected every rating of a suspect-rating episode' },
  'feedback.point.create': { zh: '新建评价点', en: 'Created a rating point' },
  'feedback.point.update': { zh: '修改评价点', en: 'Edited a rating point' },
  'feedback.point.attach_template': { zh: '批量更换评价点问卷', en: 'Changed the survey of many rating points' },
  'settings.public_url': { zh: '设置二维码公网地址', en: 'Set the public address of QR codes' },
  'feedback.device.mark': { zh: '标记员工设备', en: 'Marked a staff device' },
  'feedback.target.set': { zh: '设置满意度目标', en: 'Set a satisfaction target' },
  'feedback.followup.import': { zh: '导入出院回访名单', en: 'Imported follow-up patients' },
  'feedback.followup.reveal': { zh: '查看回访对象电话', en: "Viewed a follow-up patient's phone" },
  'feedback.followup.outcome': { zh: '记录回访结果', en: 'Recorded a follow-up outcome' },
  'feedback.demo': { zh: '生成演示评价', en: 'Generated demo ratings' },
  'form.template.seed': { zh: '安装内置问卷模板', en: 'Installed a built-in template' },
  'form.template.copy': { zh: '复制表单模板', en: 'Copied a form template' },
  'form.template.draft': { zh: '保存问卷草稿', en: 'Saved a survey draft' },
  'form.template.publish': { zh: '发布问卷模板', en: 'Published a survey template' },
  // rectification ledger (整改台账)
  'rectification.create': { zh: '新建整改事项', en: 'Raised a rectification item' },
  'rectification.edit': { zh: '修改整改事项', en: 'Edited a rectification item' },
  'rectification.attach': { zh: '上传整改佐证', en: 'Added rectification evidence' },
  'rectification.start': { zh: '开始整改', en: 'Started a rectification' },
  'rectification.submit': { zh: '提交整改验收', en: 'Submitted a rectification for verification' },
  'rectification.verify': { zh: '整改验收销号', en: 'Verified and closed a rectification' },
  'rectification.redo': { zh: '责令重新整改', en: 'Sent a rectification back for redo' },
  'rectification.request_extension': { zh: '申请整改延期', en: 'Requested a rectification extension' },
  'rectification.approve_extension': { zh: '同意整改延期', en: 'Approved a rectification extension' },
  'rectification.refuse_extension': { zh: '不同意整改延期', en: 'Refused a rectification extension' },
  'rectification.cancel': { zh: '撤销整改事项', en: 'Cancelled a rectification item' },
  'rectification.escalate': { zh: '整改逾期升级', en: 'Escalated an overdue rectification' },
  'rectification.export': { zh: '导出整改台账', en: 'Exported the rectification ledger' },
  'rectification.import': { zh: '导入整改台账', en: 'Imported a rectification ledger' },
  // inspections (检查计划、任务、暗访)
  'inspection.plan.create': { zh: '制定检查计划', en: 'Created an inspection plan' },
  'inspection.plan.update': { zh: '修改检查计划', en: 'Changed an inspection plan' },
  'inspection.perform': { zh: '提交检查结果', en: 'Submitted an inspection' },
  'inspection.publish': { zh: '发布暗访结果', en: 'Published a covert visit' },
  'inspection.confirm': { zh: '确认检查发现的问题', en: 'Confirmed inspection findings' },
  'inspection.task.overdue': { zh: '检查任务逾期', en: 'An inspection task became overdue' },
}

export const AUDIT_ENTITIES: Record<string, Words> = {
  session: { zh: '会话', en: 'Session' },
  user: { zh: '用户', en: 'User' },
  org_node: { zh: '组织节点', en: 'Organisation node' },
  staff: { zh: '人员', en: 'Staff' },
  staff_device: { zh: '员工设备', en: 'Staff device' },
  rectification: { zh: '整改事项', en: 'Rectification item' },
  inspection: { zh: '检查', en: 'Inspection' },
  inspection_plan: { zh: '检查计划', en: 'Inspection plan' },
  inspection_task: { zh: '检查任务', en: 'Inspection task' },
  case: { zh: '投诉案件', en: 'Case' },
  data_key: { zh: '数据密钥', en: 'Data key' },
  case_category: { zh: '投诉分类', en: 'Case category' },
  case_sla: { zh: '办理时限', en: 'Case deadlines' },
  calendar_day: { zh: '工作日历', en: 'Calendar day' },
  collection_point: { zh: '评价点', en: 'Rating point' },
  rating: { zh: '满意度评价', en: 'Rating' },
  rating_episode: { zh: '可疑评价事件', en: 'Suspect-rating episode' },
  satisfaction_target: { zh: '满意度目标', en: 'Satisfaction target' },
  followup_task: { zh: '出院回访', en: 'Follow-up call' },
  form_template: { zh: '问卷模板', en: 'Survey template' },
  setting: { zh: '系统设置', en: 'Setting' },
}

// Entries the server writes without a signed-in user (user id 0) name who acted with a fixed word.
export const AUDIT_ACTORS: Record<string, Words> = {
  public: { zh: '群众（未登录）', en: 'The public (not signed in)' },
  system: { zh: '系统（自动）', en: 'System (automatic)' },
  cli: { zh: '命令行（服务器上）', en: 'Command line (on the server)' },
  demo: { zh: '演示数据', en: 'Demo data' },
}

/** Who acted: a user's name as it is; a built-in actor (user id 0) in words. */
export function auditActorText(username: string | null | undefined, userId: string | number | null | undefined, lang: Lang): string {
  const w = username && !Number(userId) ? AUDIT_ACTORS[username] : undefined
  if (w) return lang === 'en' ? w.en : w.zh
  return username ?? (userId != null ? String(userId) : '—')
}

/** The address: "local" (the server itself: its escalation scan, a command) in words. */
export function auditAddressText(ip: string | null | undefined, lang: Lang): string {
  if (ip === 'local') return lang === 'en' ? 'This server' : '本机'
  return ip || '—'
}

/** The action in words; an action this console does not know yet reads as a generic phrase. */
export function auditActionText(action: string, lang: Lang): string {
  const w = AUDIT_ACTIONS[action]
  if (w) return lang === 'en' ? w.en : w.zh
  return lang === 'en' ? 'Other operation' : '其他操作'
}

/** The object in words: "会话 1234…", "投诉案件 …"; an unknown kind reads as 记录. */
export function auditEntityText(entity: string, entityId: string | null | undefined, lang: Lang): string {
  const w = AUDIT_ENTITIES[entity]
  const name = w ? (lang === 'en' ? w.en : w.zh) : lang === 'en' ? 'Record' : '记录'
  return entityId ? `${name} ${entityId}` : name
}
