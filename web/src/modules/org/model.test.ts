import { describe, it, expect } from 'vitest'
import { changedFields, childKindOf, type Staff } from './model'

describe('org rules', () => {
  it('suggests the next kind down for a new child', () => {
    expect(childKindOf('bureau')).toBe('county')
    expect(childKindOf('institution')).toBe('department')
    expect(childKindOf('point')).toBe('point')
    expect(childKindOf(undefined)).toBe('department')
  })
  it('sends only the fields an edit changed', () => {
    const s: Staff = { id: '1', employee_no: 'D1', name: '张三', category: 'doctor', title: '主治医师', node_id: '9', node_name: '内科', active: true }
    const form = { employee_no: 'D1', name: '张三', category: 'nurse', title: '主治医师', node_id: '9', active: false }
    expect(changedFields(s, form, ['name', 'category', 'title', 'node_id', 'active'] as const)).toEqual({ category: 'nurse', active: false })
    expect(changedFields(s, form, ['name'] as const)).toEqual({})
  })
})
