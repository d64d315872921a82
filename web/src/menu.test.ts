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
    expect(visibleMenu(['org.read', 'staff.read', 'user.read', 'audit.read'])).toHaveLength(menu.length)
  })
  it('has the foundation pages with unique paths', () => {
    const paths = menu.map((m) => m.path)
    expect(paths).toEqual(['/org', '/staff', '/users', '/audit'])
    expect(new Set(paths).size).toBe(paths.length)
    expect(menu.map((m) => m.permission)).toEqual(['org.read', 'staff.read', 'user.read', 'audit.read'])
  })
  it('filters a custom list', () => {
    const items = [{ ...menu[0], path: '/cases', permission: 'case.read' }]
    expect(visibleMenu(['case.read'], items)).toHaveLength(1)
    expect(visibleMenu(['org.read'], items)).toHaveLength(0)
  })
})
