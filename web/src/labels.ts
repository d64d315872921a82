// Domain vocabulary shown to users: role, node kind and staff category names.
import { i18n, currentLang } from './i18n'
import type { Grant } from './api'
import type { Role } from './modules/org/model'

function label(prefix: string, code: string | null | undefined): string {
  if (!code) return ''
  const key = `${prefix}.${code}`
  return i18n.global.te(key) ? i18n.global.t(key) : code
}

/** Roles from GET /api/v1/roles, once loaded, give names for roles the console doesn't know yet. */
const knownRoles = new Map<string, Role>()
export function rememberRoles(roles: Role[]): void {
  for (const r of roles) knownRoles.set(r.code, r)
}

export function roleLabel(code: string): string {
  const key = `role.${code}`
  if (i18n.global.te(key)) return i18n.global.t(key)
  const r = knownRoles.get(code)
  if (r) return currentLang() === 'en' ? r.name_en || r.code : r.name_zh || r.code
  return code
}
export const kindLabel = (code: string | null | undefined) => label('kind', code)
export const categoryLabel = (code: string | null | undefined) => label('category', code)
/** "卫健局管理员@市卫生健康局" */
export const grantLabel = (g: Grant) => `${roleLabel(g.role)}@${g.node_name}`
