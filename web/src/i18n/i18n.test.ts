import { describe, it, expect } from 'vitest'
import zhCN from './zh-CN'
import en from './en'
import { NODE_KINDS, ROLE_CODES, STAFF_CATEGORIES } from '../modules/org/model'
import { menu } from '../menu'

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix]
  return Object.entries(obj).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
}
function lookup(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj)
}

describe('i18n', () => {
  const zhKeys = keys(zhCN).sort()
  const enKeys = keys(en).sort()

  it('every zh-CN key exists in en', () => {
    expect(zhKeys.filter((k) => !enKeys.includes(k))).toEqual([])
  })
  it('every en key exists in zh-CN', () => {
    expect(enKeys.filter((k) => !zhKeys.includes(k))).toEqual([])
  })
  it('no message is empty and none uses vue-i18n special characters by accident', () => {
    for (const [name, msgs] of [['zh-CN', zhCN], ['en', en]] as const) {
      for (const k of keys(msgs)) {
        const v = lookup(msgs, k)
        expect(typeof v, `${name}:${k}`).toBe('string')
        expect((v as string).length, `${name}:${k}`).toBeGreaterThan(0)
        expect(v as string, `${name}:${k}`).not.toMatch(/[@|]/)
      }
    }
  })
  it('placeholders match between languages', () => {
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',')
    for (const k of zhKeys) expect(ph(lookup(en, k) as string), k).toBe(ph(lookup(zhCN, k) as string))
  })
  it('names every role, node kind, staff category and menu item', () => {
    for (const r of ROLE_CODES) expect(lookup(zhCN, `role.${r}`)).toBeTruthy()
    for (const k of NODE_KINDS) expect(lookup(zhCN, `kind.${k}`)).toBeTruthy()
    for (const c of STAFF_CATEGORIES) expect(lookup(zhCN, `category.${c}`)).toBeTruthy()
    for (const m of menu) expect(lookup(zhCN, m.title), m.title).toBeTruthy()
  })
  it('uses the domain terms', () => {
    expect(zhCN.role.bureau_admin).toBe('卫健局管理员')
    expect(zhCN.role.handler).toBe('投诉受理员')
    expect(zhCN.kind.point).toBe('服务点/窗口')
    expect(zhCN.menu.org).toBe('组织机构')
    expect(en.role.dept_head).toBe('Department head')
  })
})
