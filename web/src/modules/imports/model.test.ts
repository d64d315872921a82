import { describe, it, expect, afterEach } from 'vitest'
import { ApiError } from '../../api'
import { setLang } from '../../i18n'
import { importColumnLabel, importFileText, importRowText } from './model'

describe('import errors', () => {
  afterEach(() => setLang('zh-CN'))
  it('shows row errors in Chinese by their code, naming the value', () => {
    setLang('zh-CN')
    expect(importColumnLabel('employee_no')).toBe('工号')
    expect(importRowText({ row: 3, field: 'department', code: 'unknown_department', value: '内科二', message: 'no department' })).toBe(
      '找不到科室「内科二」：请填写本单位科室的名称或编码',
    )
    expect(importRowText({ row: 4, field: 'phone', code: 'bad_phone', value: '1380000111', message: 'x' })).toContain('「1380000111」')
    expect(importRowText({ row: 5, field: 'category', code: 'required', message: 'x' })).toBe('「类别」未填写')
    // A code the console does not know falls back to the server's message.
    expect(importRowText({ row: 6, field: 'x', code: 'new_code', message: 'server text' })).toBe('server text')
  })
  it('shows file errors in Chinese, naming a missing column', () => {
    setLang('zh-CN')
    expect(importFileText(new ApiError(422, 'missing_column', 'no column', 'discharge_date'))).toBe('文件表头缺少「出院日期」列，请使用下载的模板')
    expect(importFileText(new ApiError(422, 'unsupported_file', 'x', 'file'))).toContain('.xlsx')
    expect(importFileText(new ApiError(403, 'forbidden', 'x'))).toBe('')
  })
  it('has English text too', () => {
    setLang('en')
    expect(importRowText({ row: 2, field: 'employee_no', code: 'already_exists', value: 'D1', message: 'x' })).toContain('"D1"')
  })
})
