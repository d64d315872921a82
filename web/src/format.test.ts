import { describe, it, expect } from 'vitest'
import { formatTime, shanghaiDayStart, shanghaiDayEnd, formatDetail } from './format'

describe('time in Asia/Shanghai', () => {
  it('formats epoch ms in Shanghai time whatever the machine zone', () => {
    expect(formatTime(Date.UTC(2024, 4, 1, 5, 0, 0))).toBe('2024-05-01 13:00:00')
    expect(formatTime(Date.UTC(2024, 11, 31, 16, 30, 5))).toBe('2025-01-01 00:30:05')
    expect(formatTime(null)).toBe('')
  })
  it('turns Shanghai dates into an inclusive ms range', () => {
    expect(shanghaiDayStart('2024-05-01')).toBe(Date.UTC(2024, 3, 30, 16))
    expect(shanghaiDayEnd('2024-05-01')).toBe(Date.UTC(2024, 4, 1, 16) - 1)
    expect(formatTime(shanghaiDayStart('2024-05-01'))).toBe('2024-05-01 00:00:00')
    expect(formatTime(shanghaiDayEnd('2024-05-01'))).toBe('2024-05-01 23:59:59')
  })
  it('renders details', () => {
    expect(formatDetail({ name: '内科' })).toBe('{"name":"内科"}')
    expect(formatDetail('x')).toBe('x')
    expect(formatDetail(null)).toBe('')
  })
})
