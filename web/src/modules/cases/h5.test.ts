// The public complaint and tracking pages (web/h5) must stay tiny and run in old mobile
// browsers (WeChat's): plain ES5 in one inline script, no framework, no ES2015 syntax.
import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const H5 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../h5')
const pages = ['complaint.html', 'track.html', 'rectifications.html']

function script(html: string): string {
  const m = html.match(/<script>([\s\S]*?)<\/script>/g) ?? []
  return m.map((s) => s.replace(/^<script>|<\/script>$/g, '')).join('\n')
}

describe.each(pages)('public page %s', (name) => {
  const html = fs.readFileSync(path.join(H5, name), 'utf8')
  const js = script(html)

  it('is small and self-contained', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(24 * 1024)
    expect(html).not.toMatch(/<script[^>]+src=/)
    expect(html).not.toMatch(/<link[^>]+stylesheet/)
    expect(html).toContain('name="viewport"')
    expect(html).toContain('lang="zh-CN"')
  })
  it('uses ES5 only', () => {
    const code = js.replace(/'(?:[^'\\\n]|\\.)*'/g, "''").replace(/\/\/[^\n]*/g, '')
    expect(code).not.toMatch(/=>/)
    expect(code).not.toMatch(/\b(let|const|class)\s/)
    expect(code).not.toMatch(/`/)
    expect(code).not.toMatch(/\.\.\.[A-Za-z_$[]/)
    expect(code).not.toMatch(/\bfetch\(|\bPromise\b|\basync\b|\bawait\b/)
    expect(code).not.toMatch(/\.(includes|startsWith|endsWith|find|findIndex)\(/)
    // And it is valid JavaScript.
    expect(() => new Function(js.replace('/*CTX*/null', 'null'))).not.toThrow()
  })
  it('escapes what it writes into the page', () => {
    expect(js).toContain('function esc(')
    for (const m of js.matchAll(/innerHTML = ([^;]+);/g)) {
      const rhs = m[1]
      const literalsOnly = /^[\w\s.=!]+\? '[^']*' : '[^']*'$/.test(rhs) // cond ? 'text' : 'text'
      const safe = literalsOnly || /^(esc\(|''|'[^']*'$|h$|eh|tb$|co$|names\.join|\$\('content'\)\.value\.length|[a-z]+ \|\| ')/.test(rhs) || rhs.includes('esc(')
      expect(safe, `${name}: innerHTML = ${rhs}`).toBe(true)
    }
  })
})

describe('the complaint form', () => {
  it('takes its context from the server through one marker', () => {
    const html = fs.readFileSync(path.join(H5, 'complaint.html'), 'utf8')
    expect(html.split('/*CTX*/null').length).toBe(2)
  })
})
