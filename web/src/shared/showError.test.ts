import { describe, it, expect, vi, beforeEach } from 'vitest'
import type { VNode } from 'vue'

const shown = vi.hoisted(() => ({ calls: [] as unknown[] }))
vi.mock('element-plus', () => {
  const ElMessage = Object.assign((o: unknown) => shown.calls.push(o), { error: (s: unknown) => shown.calls.push(s) })
  return { ElMessage }
})

import { showError } from './showError'
import { ApiError } from '../api'
import { setLang } from '../i18n'

/** All text in what was shown (a string, or the message VNode of the 详情 form). */
function textOf(x: unknown): string {
  if (typeof x === 'string') return x
  if (Array.isArray(x)) return x.map(textOf).join('|')
  if (x && typeof x === 'object') {
    const o = x as { message?: unknown; children?: unknown }
    if ('message' in o) return textOf(o.message)
    return textOf((o as VNode).children)
  }
  return ''
}

describe('showError', () => {
  beforeEach(() => {
    shown.calls = []
    setLang('zh-CN')
  })

  it("shows the Chinese sentence for the server's code, the English message only under 详情", () => {
    showError(new ApiError(422, 'invalid_field', 'username must be 3-32 characters', 'username'))
    expect(shown.calls).toHaveLength(1)
    const [main, details] = textOf(shown.calls[0]).split('|')
    expect(main).toBe('「用户名」填写有误，请检查后重新提交')
    expect(details).toBe('详情')
    expect(textOf(shown.calls[0])).toContain('username must be 3-32 characters')
  })

  it('shows a network failure in Chinese, without the browser’s English', () => {
    showError(new TypeError('Failed to fetch'))
    expect(shown.calls).toEqual(['网络异常，请检查网络连接后重试'])
    shown.calls = []
    showError(new ApiError(0, 'network_error', 'Failed to fetch'))
    expect(shown.calls).toEqual(['网络异常，请检查网络连接后重试'])
  })

  it('says nothing for a 401 (the sign-in page follows) or a cancelled request', () => {
    showError(new ApiError(401, 'unauthenticated', 'sign in'))
    showError(new DOMException('aborted', 'AbortError'))
    expect(shown.calls).toEqual([])
  })

  it("lets a page give its own sentence and keeps the server's words under 详情", () => {
    showError(new ApiError(422, 'missing_column', 'missing column employee_no', 'employee_no'), '文件缺少「工号」列')
    expect(textOf(shown.calls[0])).toMatch(/^文件缺少「工号」列\|详情\|.*missing column employee_no/)
  })

  it('speaks English in English', () => {
    setLang('en')
    showError(new ApiError(403, 'forbidden', 'not allowed'))
    expect(shown.calls).toEqual(['not allowed'])
  })
})
