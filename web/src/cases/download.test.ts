import { describe, it, expect } from 'vitest'
import { fileNameFromDisposition } from './download'

describe('export file names', () => {
  it("takes the server's Chinese name (RFC 5987) over the ASCII fallback", () => {
    const cd =
      "attachment; filename=\"satisfaction-ranking_2026-11.xlsx\"; filename*=UTF-8''%E5%B8%82%E7%AC%AC%E4%B8%80%E4%BA%BA%E6%B0%91%E5%8C%BB%E9%99%A2_%E6%BB%A1%E6%84%8F%E5%BA%A6%E6%8E%92%E5%90%8D_2026-11.xlsx"
    expect(fileNameFromDisposition(cd, 'x.xlsx')).toBe('市第一人民医院_满意度排名_2026-11.xlsx')
  })
  it('falls back on the plain name, then on the given name', () => {
    expect(fileNameFromDisposition('attachment; filename="cases.xlsx"', 'x.xlsx')).toBe('cases.xlsx')
    expect(fileNameFromDisposition("attachment; filename*=UTF-8''%E0%A4", 'x.xlsx')).toBe('x.xlsx')
    expect(fileNameFromDisposition(null, '投诉统计.xlsx')).toBe('投诉统计.xlsx')
  })
})
