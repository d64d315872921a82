// Domain vocabulary shown to users: role, node kind and staff category names.
import { i18n, currentLang } from './i18n'
import type { Grant, Role } from './api'

export const NODE_KINDS = ['bureau', 'county', 'institution', 'department', 'point'] as const
export const STAFF_CATEGORIES = ['doctor', 'nurse', 'technician', 'pharmacist', 'admin', 'logistics', 'window'] as const
export const ROLE_CODES = ['bureau_admin', 'inspector', 'unit_admin', 'dept_head', 'handler', 'staff'] as const

/** The kind a new child of a node usually has. */
export function childKindOf(kind: string | undefined): string {
  const i = NODE_KINDS.indexOf(kind as (typeof NODE_KINDS)[number])
  if (i < 0) return 'department'
  return NODE_KINDS[Math.min(i + 1, NODE_KINDS.length - 1)]
}

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
