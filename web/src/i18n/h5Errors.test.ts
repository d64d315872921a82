// The public pages (web/h5) are Chinese only: they choose their sentences by the error code and
// never show the server's (English) message.
import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const H5 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../h5')

describe.each(fs.readdirSync(H5).filter((f) => f.endsWith('.html')))('public page %s', (name) => {
  it("never shows the server's error message", () => {
    const html = fs.readFileSync(path.join(H5, name), 'utf8')
    expect(html).not.toMatch(/error\s*&&\s*[\w.]*error\.message|error\.message|\.error\.message/)
  })
})
