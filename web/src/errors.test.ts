import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import { CODE_EN, CODE_ZH, FIELD_ZH, describeError, errorText, asInfo } from './errors'
import { SRC, cppFiles, errorCodes, permissionCodes } from './i18n/serverTexts'
import { PERMISSIONS } from './i18n/permissions'
import { ApiError } from './api'

describe('error messages', () => {
  it('names every error code the server can send in Chinese and in English', () => {
    expect(cppFiles(SRC).length, 'the C++ sources next to web/').toBeGreaterThan(10)
    const codes = errorCodes()
    for (const c of ['invalid_field', 'not_found', 'forbidden', 'unauthenticated', 'csrf_failed', 'rate_limited', 'body_too_large', 'headers_too_large'])
      expect(codes.has(c), c).toBe(true)
    expect([...codes].filter((c) => !CODE_ZH[c]).sort(), 'add these codes to CODE_ZH in web/src/errors.ts').toEqual([])
    expect([...codes].filter((c) => !CODE_EN[c]).sort(), 'add these codes to CODE_EN in web/src/errors.ts').toEqual([])
    for (const [c, zh] of Object.entries(CODE_ZH)) expect(zh, c).toMatch(/[\u3400-\u9fff]/)
    for (const [c, en] of Object.entries(CODE_EN)) expect(en, c).not.toMatch(/[\u3400-\u9fff]/)
  })

  it('names the fields the server validates in Chinese', () => {
    const fields = new Set<string>()
    const re = /invalid\("([a-z_0-9]+)"|jv::(?:req|opt)_[a-z]+\([a-z]+, "([a-z_0-9]+)"/g
    for (const f of cppFiles(SRC)) for (const m of fs.readFileSync(f, 'utf8').matchAll(re)) fields.add(m[1] ?? m[2])
    const missing = [...fields].filter((f) => !FIELD_ZH[f]).sort()
    expect(missing, 'add these fields to FIELD_ZH in web/src/errors.ts').toEqual([])
  })

  // Was: the English message appended inline in Chinese; now it is only kept for a collapsed 详情.
  it('shows the field name and a Chinese sentence for invalid_field, the English message only as support detail', () => {
    const d = describeError({ status: 422, code: 'invalid_field', field: 'phone', message: 'phone must be a mainland number' }, 'zh-CN')
    expect(d.text).toBe('「手机号」填写有误，请检查后重新提交')
    expect(d.detail).toContain('phone must be a mainland number')
    expect(errorText(new ApiError(422, 'invalid_field', 'reason is required', 'reason'), 'zh-CN')).toBe('「理由」填写有误，请检查后重新提交')
  })

  it('keeps an unknown field in the support detail, not in the sentence', () => {
    const d = describeError({ status: 422, code: 'invalid_field', field: 'frobnicate', message: 'bad' }, 'zh-CN')
    expect(d.text).toBe('填写的内容有误，请检查后重新提交')
    expect(d.detail).toContain('frobnicate')
    expect(d.detail).toContain('bad')
  })

  it('never puts the server\'s English into a Chinese sentence', () => {
    const cases: [number, string, string][] = [
      [429, 'too_many_attempts', 'this account is locked for 15 minutes after repeated failures'],
      [404, 'not_found', 'case not found'],
      [403, 'forbidden', 'this belongs to a unit outside your scope'],
      [403, 'forbidden', 'your role does not allow this (user.read)'],
      [409, 'invalid_state', 'the case is closed; this action is not possible now'],
      [409, 'brand_new_conflict', 'something clashed'],
      [400, 'brand_new_code', 'something'],
    ]
    for (const [status, code, message] of cases) {
      const s = errorText(new ApiError(status, code, message), 'zh-CN')
      expect(s, `${code}: ${s}`).not.toMatch(/[A-Za-z]/)
    }
  })

  it('names the missing permission in words, never as its code', () => {
    expect(errorText(new ApiError(403, 'forbidden', 'your role does not allow this (user.read)'), 'zh-CN')).toBe(
      '您没有权限执行此操作（需要「查看用户」权限）',
    )
    expect(errorText(new ApiError(403, 'forbidden', 'you may not do this on this case (case.handle)'), 'en')).toBe(
      'You do not have permission to do this (needs the permission “Handle cases”)',
    )
    expect(errorText(new ApiError(403, 'forbidden', 'your role does not allow this (brand.new)'), 'zh-CN')).toBe('您没有权限执行此操作')
  })

  it('has words for every permission the server knows', () => {
    const perms = permissionCodes()
    expect(perms.has('user.read')).toBe(true)
    expect([...perms].filter((p) => !PERMISSIONS[p]).sort(), 'add these to web/src/i18n/permissions.ts').toEqual([])
  })

  it('maps codes to Chinese and leaves out messages that add nothing', () => {
    expect(errorText(new ApiError(401, 'invalid_credentials', 'wrong username or password'), 'zh-CN')).toBe('用户名或密码错误')
    expect(errorText(new ApiError(403, 'csrf_failed', 'missing or wrong CSRF token'), 'zh-CN')).toBe('页面已过期，请刷新页面后重试')
    expect(errorText(new ApiError(429, 'rate_limited', 'too many requests'), 'zh-CN')).toBe('操作过于频繁，请稍后再试')
    // Was: the server's English appended; now the Chinese sentence alone.
    const s = errorText(new ApiError(409, 'invalid_state', 'the case is closed（已办结）; this action is not possible now'), 'zh-CN')
    expect(s).toBe(CODE_ZH.invalid_state)
  })

  it('does not repeat a message the server already wrote in Chinese', () => {
    expect(errorText(new ApiError(409, 'already_rated', '您已对此处评价过，感谢您的反馈！'), 'zh-CN')).toBe('您已评价过，感谢您的反馈')
  })

  it('falls back on the HTTP status for an unknown code, keeping the code visible', () => {
    const d = describeError({ status: 409, code: 'brand_new_conflict', message: 'something clashed' }, 'zh-CN')
    expect(d.text).toBe('操作与当前数据冲突，请刷新后重试')
    expect(d.detail).toContain('brand_new_conflict')
    expect(d.detail).toContain('something clashed')
    expect(describeError({ status: 503, code: 'http_503', message: '' }, 'zh-CN').text).toContain('服务器')
    expect(describeError({ status: 400, code: 'x', message: '单位编码不存在' }, 'zh-CN').text).toBe('单位编码不存在')
  })

  it('shows the server message in English', () => {
    expect(errorText(new ApiError(422, 'invalid_field', 'reason is required', 'reason'), 'en')).toBe('reason is required')
    expect(errorText(new ApiError(0, 'network_error', 'Failed to fetch'), 'en')).toContain('Network error')
    expect(errorText(new ApiError(401, 'invalid_credentials', 'wrong username or password'), 'en')).toBe('wrong username or password')
  })

  it('treats a thrown non-API error as a network failure', () => {
    expect(asInfo(new TypeError('Failed to fetch')).code).toBe('network_error')
    expect(errorText(new TypeError('Failed to fetch'), 'zh-CN')).toBe('网络异常，请检查网络连接后重试')
    expect(errorText(undefined, 'zh-CN')).toBe('网络异常，请检查网络连接后重试')
  })
})
