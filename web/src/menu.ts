// The console's menu and its pages, in one list. A new page is one line here:
// the router and the side menu are both built from this list, and an item is
// only shown to users holding its permission.
import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'
import { OfficeBuilding, User, UserFilled, Document } from '@element-plus/icons-vue'

export interface MenuItem {
  path: string
  /** i18n key of the title */
  title: string
  icon: Component
  /** The permission (from /api/v1/me) needed to see the item and open the page. */
  permission: string
  component: () => Promise<RouteComponent | { default: RouteComponent }>
}

export const menu: MenuItem[] = [
  { path: '/org', title: 'menu.org', icon: OfficeBuilding, permission: 'org.read', component: () => import('./views/OrgView.vue') },
  { path: '/staff', title: 'menu.staff', icon: User, permission: 'staff.read', component: () => import('./views/StaffView.vue') },
  { path: '/users', title: 'menu.users', icon: UserFilled, permission: 'user.read', component: () => import('./views/UsersView.vue') },
  { path: '/audit', title: 'menu.audit', icon: Document, permission: 'audit.read', component: () => import('./views/AuditView.vue') },
]

export function visibleMenu(permissions: readonly string[] | null | undefined, items: MenuItem[] = menu): MenuItem[] {
  const have = new Set(permissions ?? [])
  return items.filter((m) => !m.permission || have.has(m.permission))
}
