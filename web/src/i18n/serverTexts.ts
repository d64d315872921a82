// Reads the C++ sources next to web/ (../src) and lists what the server can send the console
// that needs words: error codes, audit actions and entities, and permission codes. Used by
// tests only (node:fs), so a new code without Chinese and English text fails a test.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src')

export function cppFiles(dir: string = SRC): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    if (d.isDirectory()) return cppFiles(p)
    return /\.(cpp|hpp)$/.test(d.name) ? [p] : []
  })
}
const read = (f: string) => fs.readFileSync(f, 'utf8')

/** Every error code: Error(404, "x"), conflict("x"), bad_request("x"), error_response(429, "x"), write_error(s, 431, "x"), and the helpers' own. */
export function errorCodes(files = cppFiles()): Set<string> {
  const codes = new Set<string>()
  const re =
    /\bError\(\d+, "([a-z_]+)"|\bconflict\("([a-z_]+)"|\bbad_request\("([a-z_]+)"|\berror_response\(\d+, "([a-z_]+)"|\bwrite_error\(\w+, \d+, "([a-z_]+)"/g
  for (const f of files) {
    const text = read(f)
    for (const m of text.matchAll(re)) codes.add(m.slice(1).find(Boolean)!)
    // write_error(stream, too_big ? 431 : 400, too_big ? "headers_too_large" : "bad_request", …)
    for (const m of text.matchAll(/\bwrite_error\(([^;]*)/g))
      for (const lit of m[1].matchAll(/"([a-z]+(?:_[a-z]+)*)"/g)) codes.add(lit[1])
  }
  // Thrown through helpers (invalid(), not_found(), forbidden()) and by the console itself.
  for (const c of ['invalid_field', 'not_found', 'forbidden', 'network_error']) codes.add(c)
  return codes
}

/** The top-level arguments of each audit::record( … ) call, and where the call is. */
function auditCalls(text: string): { args: string[]; at: number }[] {
  const out: { args: string[]; at: number }[] = []
  for (let at = text.indexOf('audit::record('); at >= 0; at = text.indexOf('audit::record(', at + 1)) {
    const args: string[] = []
    let depth = 0
    let inStr = false
    let start = at + 'audit::record('.length
    for (let i = start; i < text.length; i++) {
      const ch = text[i]
      if (inStr) {
        if (ch === '\\') i++
        else if (ch === '"') inStr = false
      } else if (ch === '"') inStr = true
      else if (ch === '(' || ch === '{') depth++
      else if ((ch === ')' || ch === '}') && depth > 0) depth--
      else if (ch === ',' && depth === 0) {
        args.push(text.slice(start, i).trim())
        start = i + 1
      } else if (ch === ')' && depth === 0) {
        args.push(text.slice(start, i).trim())
        break
      }
    }
    out.push({ args, at })
  }
  return out
}

const DOTTED = /"([a-z_]+(?:\.[a-z_]+)+)"/g
const PLAIN = /"([a-z_]+)"/

/**
 * Every audit action and entity. An entry is `{action, entity, …}` in the call: the action is a
 * literal, a ternary of literals, a variable set just before from literals, "case." + the
 * workflow action passed to CaseService::mutate, or "<domain>." + action (RectifyService::mutate:
 * its literal actions and its machine's transitions in the folder's workflow.cpp). An export recorded through
 * reports::audited_xlsx_download names its action and entity where its `ExportAudit` is made.
 */
export function auditVocabulary(files = cppFiles()): { actions: Set<string>; entities: Set<string> } {
  const actions = new Set<string>()
  const entities = new Set<string>()
  for (const f of files) {
    if (f.includes(`${path.sep}audit${path.sep}`)) continue
    const text = read(f)
    for (const m of text.matchAll(/\bExportAudit\s+\w+\{\s*"([a-z_]+(?:\.[a-z_]+)+)",\s*"([a-z_]+)"/g)) {
      actions.add(m[1])
      entities.add(m[2])
    }
    for (const { args, at } of auditCalls(text)) {
      if (args.length !== 3 || !args[2].startsWith('{')) throw new Error(`cannot read the audit call in ${f}: ${args.join(', ').slice(0, 160)}`)
      if (/^\{\s*\w+\.action,\s*\w+\.entity,/.test(args[2])) continue // an ExportAudit's, read above
      // The first two elements of the entry: action expression and entity literal.
      const entityMatch = /^\{(.*?),\s*"([a-z_]+)"\s*,/s.exec(args[2])
      if (!entityMatch) throw new Error(`cannot read the audit entry in ${f}: ${args[2].slice(0, 120)}`)
      const actionExpr = entityMatch[1]
      entities.add(entityMatch[2])
      const literals = [...actionExpr.matchAll(DOTTED)].map((m) => m[1])
      if (/std::string\("case\."\)\s*\+\s*action/.test(actionExpr)) {
        // CaseService::mutate(who, id, "accept", …) and mutate(who, id, a ? "x" : "y", …)
        for (const m of text.matchAll(/\bmutate\(\w+, [\w>-]+, ([^[]*?)\[/g))
          for (const s of m[1].matchAll(/"([a-z_]+)"/g)) actions.add(`case.${s[1]}`)
      } else if (/^\s*"[a-z_]+\."\s*\+\s*action\s*$/.test(actionExpr)) {
        // "rectification." + action (RectifyService::mutate): the literal actions passed to mutate
        // and the transitions of the domain's machine, both in the files of its folder.
        const prefix = /"([a-z_]+)\."/.exec(actionExpr)![1]
        for (const g of files.filter((x) => path.dirname(x) === path.dirname(f))) {
          const t = read(g)
          for (const m of t.matchAll(/\bmutate\(\w+, [\w>-]+, "([a-z_]+)"/g)) actions.add(`${prefix}.${m[1]}`)
          if (g.endsWith(`${path.sep}workflow.cpp`))
            for (const m of t.matchAll(/^\s*\{"([a-z_]+)", (?:\{"|[a-z_]+,)/gm)) actions.add(`${prefix}.${m[1]}`)
        }
      } else if (literals.length) {
        literals.forEach((a) => actions.add(a))
      } else if (/^\s*(\w+)\s*$/.test(actionExpr)) {
        // std::string action = cond ? "org.node.activate" : "org.node.update"; a few lines above
        const name = actionExpr.trim()
        const before = text.slice(Math.max(0, at - 600), at)
        const decl = new RegExp(`\\b${name}\\s*=([^;]*);`).exec(before)
        if (!decl) throw new Error(`cannot find how ${name} is set before the audit call in ${f}`)
        for (const m of decl[1].matchAll(DOTTED)) actions.add(m[1])
      } else if (!PLAIN.test(actionExpr)) {
        throw new Error(`cannot read the audit action in ${f}: ${actionExpr}`)
      }
    }
  }
  return { actions, entities }
}

/** Every permission: the roles' lists in src/org/roles.cpp and the routes' required permissions. */
export function permissionCodes(files = cppFiles()): Set<string> {
  const perms = new Set<string>()
  for (const f of files) {
    const text = read(f)
    if (f.endsWith(`org${path.sep}roles.cpp`)) for (const m of text.matchAll(/"([a-z]+\.[a-z]+)"/g)) perms.add(m[1])
    for (const m of text.matchAll(/\badd\("[A-Z]+", "[^"]+", "([a-z]+\.[a-z]+)"/g)) perms.add(m[1])
  }
  return perms
}
