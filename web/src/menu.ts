// The console's menu and its pages, in one list. A new page is one line here:
// the router and the side menu are both built from this list, and an item is
// only shown to users holding its permission.
import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'
import { OfficeBuilding, User, UserFilled, Document } from '@element-plus/icons-vue'
import { Tickets, PhoneFilled, Calendar, SetUp, DataAnalysis } from '@element-plus/icons-vue'
import { DataLine, ChatLineSquare, WarningFilled, Postcard, Memo, Phone, EditPen, Finished, List } from '@element-plus/icons-vue'
import { Notebook, CircleCheck, Management, PieChart, Checked, Search } from '@element-plus/icons-vue'

export interface MenuItem {
  path: string
  /** i18n key of the title */
  title: string
  icon: Component
  /** The permission (from /api/v1/me) needed to see the item and open the page. */
  permission: string
  component: () => Promise<RouteComponent | { default: RouteComponent }>
  /** i18n key of the side-menu group the item belongs to (a sub-menu); none = top level. */
  group?: string
  /** A page reached from another one (e.g. a detail page): routed, but not in the side menu. */
  hidden?: boolean
}

export const menu: MenuItem[] = [
  { path: '/org', title: 'menu.org', icon: OfficeBuilding, permission: 'org.read', component: () => import('./modules/org/views/OrgView.vue') },
  { path: '/staff', title: 'menu.staff', icon: User, permission: 'staff.read', component: () => import('./modules/org/views/StaffView.vue') },
  { path: '/users', title: 'menu.users', icon: UserFilled, permission: 'user.read', component: () => import('./modules/org/views/UsersView.vue') },
  { path: '/audit', title: 'menu.audit', icon: Document, permission: 'audit.read', component: () => import('./modules/audit/views/AuditView.vue') },
  // 投诉管理 (complaints and cases)
  { path: '/cases', title: 'cases.menu.inbox', icon: Tickets, permission: 'case.read', group: 'cases.menu.group', component: () => import('./modules/cases/views/CaseInboxView.vue') },
  { path: '/cases/:id', title: 'cases.menu.detail', icon: Tickets, permission: 'case.read', group: 'cases.menu.group', hidden: true, component: () => import('./modules/cases/views/CaseDetailView.vue') },
  { path: '/case-entry', title: 'cases.menu.entry', icon: PhoneFilled, permission: 'case.register', group: 'cases.menu.group', component: () => import('./modules/cases/views/HotlineEntryView.vue') },
  { path: '/case-stats', title: 'cases.menu.stats', icon: DataAnalysis, permission: 'case.read', group: 'cases.menu.group', component: () => import('./modules/cases/views/CaseStatsView.vue') },
  { path: '/case-settings', title: 'cases.menu.settings', icon: SetUp, permission: 'case.settings', group: 'cases.menu.group', component: () => import('./modules/cases/views/CaseSettingsView.vue') },
  { path: '/case-calendar', title: 'cases.menu.calendar', icon: Calendar, permission: 'calendar.write', group: 'cases.menu.group', component: () => import('./modules/calendar/views/CalendarView.vue') },
  // 满意度 (satisfaction)
  { path: '/satisfaction', title: 'sat.menu.dashboard', icon: DataLine, permission: 'rating.read', group: 'sat.menu.group', component: () => import('./modules/satisfaction/views/SatDashboardView.vue') },
  { path: '/sat-comments', title: 'sat.menu.comments', icon: ChatLineSquare, permission: 'rating.read', group: 'sat.menu.group', component: () => import('./modules/satisfaction/views/SatCommentsView.vue') },
  { path: '/sat-reviews', title: 'sat.menu.reviews', icon: WarningFilled, permission: 'rating.review', group: 'sat.menu.group', component: () => import('./modules/satisfaction/views/SatReviewView.vue') },
  { path: '/sat-points', title: 'sat.menu.points', icon: Postcard, permission: 'point.write', group: 'sat.menu.group', component: () => import('./modules/satisfaction/views/SatPointsView.vue') },
  { path: '/sat-templates', title: 'sat.menu.templates', icon: Memo, permission: 'survey.read', group: 'sat.menu.group', component: () => import('./views/satisfaction/SatTemplatesView.vue') },
  { path: '/sat-templates/:id', title: 'sat.menu.templateEdit', icon: Memo, permission: 'survey.read', group: 'sat.menu.group', hidden: true, component: () => import('./modules/forms/views/FormEditView.vue') },
  { path: '/sat-followups', title: 'sat.menu.followups', icon: Phone, permission: 'followup.handle', group: 'sat.menu.group', component: () => import('./modules/followup/views/FollowupView.vue') },
  { path: '/sat-followups/:id', title: 'sat.menu.followupCall', icon: Phone, permission: 'followup.handle', group: 'sat.menu.group', hidden: true, component: () => import('./modules/followup/views/FollowupCallView.vue') },
  { path: '/sat-entry', title: 'sat.menu.entry', icon: EditPen, permission: 'followup.handle', group: 'sat.menu.group', component: () => import('./modules/satisfaction/views/SatEntryView.vue') },
  // 检查考评 (checklists and scorecards on the forms engine, web/src/modules/forms)
  { path: '/form-templates', title: 'forms.menu.templates', icon: Finished, permission: 'form.checklist.read', group: 'forms.menu.group', component: () => import('./modules/forms/views/FormTemplatesView.vue') },
  { path: '/form-templates/:id', title: 'forms.menu.edit', icon: Finished, permission: 'form.checklist.read', group: 'forms.menu.group', hidden: true, component: () => import('./modules/forms/views/FormEditView.vue') },
  { path: '/form-fill/:id', title: 'forms.menu.fill', icon: Finished, permission: 'form.checklist.submit', group: 'forms.menu.group', hidden: true, component: () => import('./modules/forms/views/FormFillView.vue') },
  { path: '/form-responses', title: 'forms.menu.responses', icon: List, permission: 'form.checklist.read', group: 'forms.menu.group', component: () => import('./modules/forms/views/FormResponsesView.vue') },
  { path: '/form-responses/:id', title: 'forms.menu.result', icon: List, permission: 'form.checklist.read', group: 'forms.menu.group', hidden: true, component: () => import('./modules/forms/views/FormResponseView.vue') },
  // 整改台账 (the rectification ledger, web/src/modules/rectify): the ledger, an item, and the inspectors' verification queue
  { path: '/rectifications', title: 'rectify.menu.ledger', icon: Notebook, permission: 'rectification.read', group: 'forms.menu.group', component: () => import('./modules/rectify/views/RectListView.vue') },
  { path: '/rectifications/:id', title: 'rectify.menu.detail', icon: Notebook, permission: 'rectification.read', group: 'forms.menu.group', hidden: true, component: () => import('./modules/rectify/views/RectDetailView.vue') },
  // 明查暗访 (inspections, web/src/modules/inspect): plans, the coverage board, the phone's task list and a task, the records
  { path: '/inspection-plans', title: 'inspect.menu.plans', icon: Management, permission: 'inspection.read', group: 'forms.menu.group', component: () => import('./modules/inspect/views/PlansView.vue') },
  { path: '/inspection-coverage', title: 'inspect.menu.coverage', icon: PieChart, permission: 'inspection.read', group: 'forms.menu.group', component: () => import('./modules/inspect/views/CoverageView.vue') },
  { path: '/inspection-tasks', title: 'inspect.menu.tasks', icon: Checked, permission: 'inspection.perform', group: 'forms.menu.group', component: () => import('./modules/inspect/views/MyTasksView.vue') },
  { path: '/inspection-tasks/:id', title: 'inspect.menu.task', icon: Checked, permission: 'inspection.perform', group: 'forms.menu.group', hidden: true, component: () => import('./modules/inspect/views/TaskView.vue') },
  { path: '/inspections', title: 'inspect.menu.inspections', icon: Search, permission: 'inspection.read', group: 'forms.menu.group', component: () => import('./modules/inspect/views/InspectionsView.vue') },
  { path: '/inspections/:id', title: 'inspect.menu.inspection', icon: Search, permission: 'inspection.read', group: 'forms.menu.group', hidden: true, component: () => import('./modules/inspect/views/InspectionView.vue') },
  { path: '/rectify-verify', title: 'rectify.menu.verify', icon: CircleCheck, permission: 'rectification.verify', group: 'forms.menu.group', component: () => import('./modules/rectify/views/RectVerifyView.vue') },
]

export function visibleMenu(permissions: readonly string[] | null | undefined, items: MenuItem[] = menu): MenuItem[] {
  const have = new Set(permissions ?? [])
  return items.filter((m) => !m.hidden && (!m.permission || have.has(m.permission)))
}
