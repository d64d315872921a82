// Permission codes (src/org/roles.cpp, "<area>.<verb>") in words, for messages such as
// "您没有权限执行此操作（需要「查看用户」权限）". A test checks every code the server knows is here.
import type { Lang } from './index'

export const PERMISSIONS: Record<string, { zh: string; en: string }> = {
  'org.read': { zh: '查看组织机构', en: 'View the organisation' },
  'org.write': { zh: '管理组织机构', en: 'Manage the organisation' },
  'staff.read': { zh: '查看人员', en: 'View staff' },
  'staff.write': { zh: '管理人员', en: 'Manage staff' },
  'user.read': { zh: '查看用户', en: 'View users' },
  'user.write': { zh: '管理用户和授权', en: 'Manage users and roles' },
  'audit.read': { zh: '查看审计日志', en: 'View the audit log' },
  'calendar.write': { zh: '维护工作日历', en: 'Maintain the working-day calendar' },
  'settings.write': { zh: '修改系统设置', en: 'Change system settings' },
  'case.read': { zh: '查看投诉案件', en: 'View cases' },
  'case.handle': { zh: '办理投诉案件', en: 'Handle cases' },
  'case.register': { zh: '登记投诉案件', en: 'Register cases' },
  'case.dispatch': { zh: '转办投诉案件', en: 'Dispatch cases' },
  'case.supervise': { zh: '督办投诉案件', en: 'Supervise cases' },
  'case.settings': { zh: '设置投诉分类和时限', en: 'Set case categories and deadlines' },
  'case.sensitive': { zh: '查看涉及廉洁的案件', en: 'View integrity cases' },
  'case.contact': { zh: '查看投诉人联系方式', en: "View complainants' contact details" },
  'survey.read': { zh: '查看问卷和评价点', en: 'View surveys and rating points' },
  'survey.write': { zh: '管理问卷', en: 'Manage surveys' },
  'point.write': { zh: '管理评价点', en: 'Manage rating points' },
  'rating.read': { zh: '查看满意度评价', en: 'View ratings' },
  'rating.review': { zh: '审核满意度评价', en: 'Review ratings' },
  'followup.handle': { zh: '办理出院回访', en: 'Handle follow-up calls' },
  'report.read': { zh: '查看和导出报表', en: 'View and export reports' },
  'form.checklist.submit': { zh: '填报检查表', en: 'Submit checklists' },
  'form.checklist.read': { zh: '查看检查结果', en: 'View checklist results' },
  'form.scorecard.submit': { zh: '填报考评表', en: 'Submit scorecards' },
  'form.scorecard.read': { zh: '查看考评结果', en: 'View scorecard results' },
  'rectification.read': { zh: '查看整改台账', en: 'View the rectification ledger' },
  'rectification.handle': { zh: '办理整改事项', en: 'Handle rectification items' },
  'rectification.verify': { zh: '验收整改事项', en: 'Verify rectification items' },
  'rectification.manage': { zh: '管理整改台账', en: 'Manage the rectification ledger' },
  'inspection.read': { zh: '查看检查计划和结果', en: 'View inspection plans and results' },
  'inspection.plan': { zh: '制定检查计划', en: 'Plan inspections' },
  'inspection.perform': { zh: '执行指派的检查任务', en: 'Perform assigned inspections' },
  'inspection.publish': { zh: '发布暗访结果和确认问题', en: 'Publish covert results and confirm findings' },
  'self.read': { zh: '查看本人评价', en: 'View own ratings' },
}

/** The permission in words, or undefined for a code this table does not know (never shown raw). */
export function permissionName(code: string, lang: Lang): string | undefined {
  const p = PERMISSIONS[code]
  return p ? (lang === 'en' ? p.en : p.zh) : undefined
}
