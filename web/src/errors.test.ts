import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CODE_ZH, FIELD_ZH, describeError, errorText, asInfo } from './errors'
import { ApiError } from './api'

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src')

function cppFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    if (d.isDirectory()) return cppFiles(p)
    return /\.(cpp|hpp)$/.test(d.name) ? [p] : []
  })
}

describe('error messages', () => {
  it('names every error code the server can send in Chinese', () => {
    const files = cppFiles(SRC)
    expect(files.length, 'the C++ sources next to web/').toBeGreaterThan(10)
    const codes = new Set<string>()
    const re = /Error\(\d+, "([a-z_]+)"|conflict\("([a-z_]+)"|bad_request\("([a-z_]+)"|error_response\(\d+, "([a-z_]+)"/g
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(re)) codes.add(m[1] ?? m[2] ?? m[3] ?? m[4])
    }
    for (const c of ['invalid_field', 'not_found', 'forbidden', 'unauthenticated', 'csrf_failed', 'rate_limited', 'body_too_large']) codes.add(c)
    const missing = [...codes].filter((c) => !CODE_ZH[c]).sort()
    expect(missing, 'add these codes to CODE_ZH in web/src/errors.ts').toEqual([])
  })

  it('names the fields the server validates in Chinese', () => {
    const fields = new Set<string>()
    const re = /invalid\("([a-z_0-9]+)"|jv::(?:req|opt)_[a-z]+\([a-z]+, "([a-z_0-9]+)"/g
    for (const f of cppFiles(SRC)) for (const m of fs.readFileSync(f, 'utf8').matchAll(re)) fields.add(m[1] ?? m[2])
    const missing = [...fields].filter((f) => !FIELD_ZH[f]).sort()
    expect(missing, 'add these fields to FIELD_ZH in web/src/errors.ts').toEqual([])
  })

  it('shows the field name and a Chinese sentence for invalid_field, with the English message as detail', () => {
    const d = describeError({ status: 422, code: 'invalid_field', field: 'phone', message: 'phone must be a mainland number' }, 'zh-CN')
    expect(d.text).toBe('「手机号」填写有误，请检查后重新提交')
    expect(d.detail).toBe('phone must be a mainland number')
    expect(errorText(new ApiError(422, 'invalid_field', 'reason is required', 'reason'), 'zh-CN')).toBe(
      '「理由」填写有误，请检查后重新提交（reason is required）',
    )
  })

  it('keeps an unknown field visible in the detail', () => {
    const d = describeError({ status: 422, code: 'invalid_field', field: 'frobnicate', message: 'bad' }, 'zh-CN')
    expect(d.text).toBe('填写的内容有误，请检查后重新提交')
    expect(d.detail).toBe('frobnicate: bad')
  })

  it('maps codes to Chinese and leaves out messages that add nothing', () => {
    expect(errorText(new ApiError(401, 'invalid_credentials', 'wrong username or password'), 'zh-CN')).toBe('用户名或密码错误')
    expect(errorText(new ApiError(403, 'csrf_failed', 'missing or wrong CSRF token'), 'zh-CN')).toBe('页面已过期，请刷新页面后重试')
    expect(errorText(new ApiError(429, 'rate_limited', 'too many requests'), 'zh-CN')).toBe('操作过于频繁，请稍后再试')
    const s = errorText(new ApiError(409, 'invalid_state', 'the case is closed（已办结）; this action is not possible now'), 'zh-CN')
    expect(s.startsWith('案件当前状态不允许此操作')).toBe(true)
    expect(s).toContain('the case is closed')
  })

  it('does not repeat a message the server already wrote in Chinese', () => {
    expect(errorText(new ApiError(409, 'already_rated', '您已对此处评价过，感谢您的反馈！'), 'zh-CN')).toBe('您已评价过，感谢您的反馈')
  })

  it('falls back on the HTTP status for an unknown code, keeping the code visible', () => {
    const d = describeError({ status: 409, code: 'brand_new_conflict', message: 'something clashed' }, 'zh-CN')
    expect(d.text).toBe('操作与当前数据冲突，请刷新后重试')
    expect(d.detail).toBe('something clashed')
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
