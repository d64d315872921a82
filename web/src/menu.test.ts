import { describe, it, expect } from 'vitest'
import { menu, visibleMenu } from './menu'

describe('menu', () => {
  it('shows only items whose permission the user holds', () => {
    expect(visibleMenu(['org.read', 'audit.read']).map((m) => m.path)).toEqual(['/org', '/audit'])
    expect(visibleMenu(['staff.read', 'user.read', 'org.write']).map((m) => m.path)).toEqual(['/staff', '/users'])
  })
  it('shows nothing without permissions', () => {
    expect(visibleMenu([])).toEqual([])
    expect(visibleMenu(undefined)).toEqual([])
    expect(visibleMenu(null)).toEqual([])
  })
  it('shows everything to a user with every permission', () => {
    const all = [...new Set(menu.map((m) => m.permission))]
    expect(visibleMenu(all)).toHaveLength(menu.filter((m) => !m.hidden).length)
  })
  it('has the foundation pages with unique paths', () => {
    const paths = menu.map((m) => m.path)
    expect(paths.slice(0, 4)).toEqual(['/org', '/staff', '/users', '/audit'])
    expect(new Set(paths).size).toBe(paths.length)
    expect(menu.slice(0, 4).map((m) => m.permission)).toEqual(['org.read', 'staff.read', 'user.read', 'audit.read'])
  })
  it('keeps detail pages out of the side menu and groups the case pages', () => {
    expect(menu.find((m) => m.path === '/cases/:id')?.hidden).toBe(true)
    expect(visibleMenu(['case.read']).map((m) => m.path)).toEqual(['/cases', '/case-stats'])
    expect(visibleMenu(['case.read', 'case.register']).map((m) => m.path)).toContain('/case-entry')
    for (const m of menu.filter((x) => x.path.startsWith('/case'))) expect(m.group).toBe('cases.menu.group')
  })
  it('shows the rectification ledger with rectification.read and the verification queue only with rectification.verify', () => {
    expect(visibleMenu(['rectification.read']).map((m) => m.path)).toEqual(['/rectifications'])
    expect(visibleMenu(['rectification.read', 'rectification.verify']).map((m) => m.path)).toEqual(['/rectifications', '/rectify-verify'])
    expect(menu.find((m) => m.path === '/rectifications/:id')?.hidden).toBe(true)
    for (const m of menu.filter((x) => x.path.startsWith('/rectif'))) expect(m.group).toBe('forms.menu.group')
  })
  it('shows the inspection pages behind their permissions: a 社会监督员 (inspection.perform only) sees only 我的检查任务', () => {
    expect(visibleMenu(['inspection.perform']).map((m) => m.path)).toEqual(['/inspection-tasks'])
    expect(visibleMenu(['inspection.read']).map((m) => m.path)).toEqual(['/inspection-plans', '/inspection-coverage', '/inspections'])
    expect(menu.find((m) => m.path === '/inspection-tasks/:id')?.hidden).toBe(true)
    expect(menu.find((m) => m.path === '/inspections/:id')?.hidden).toBe(true)
    for (const m of menu.filter((x) => x.path.startsWith('/inspection'))) expect(m.group).toBe('forms.menu.group')
  })
  it('filters a custom list', () => {
    const items = [{ ...menu[0], path: '/cases', permission: 'case.read' }]
    expect(visibleMenu(['case.read'], items)).toHaveLength(1)
    expect(visibleMenu(['org.read'], items)).toHaveLength(0)
  })
})
