// The organisation (组织机构), its staff (人员) and the console's users (用户与角色) as the console
// reads them, and the rules its forms apply before asking the server.
import type { Grant } from '../../api'

export interface OrgNode {
  id: string
  parent_id: string | null
  kind: string
  code: string
  name: string
  active: boolean
  has_children: boolean
  path?: { id: string; name: string }[]
}

export interface Staff {
  id: string
  employee_no: string
  name: string
  category: string
  title: string
  node_id: string
  node_name: string
  active: boolean
}

export interface User {
  id: string
  username: string
  display_name: string
  staff_id: string | null
  active: boolean
  must_change_password: boolean
  grants: Grant[]
}

export interface Role {
  code: string
  name_zh: string
  name_en: string
  permissions: string[]
}

export const NODE_KINDS = ['bureau', 'county', 'institution', 'department', 'point'] as const
export const STAFF_CATEGORIES = ['doctor', 'nurse', 'technician', 'pharmacist', 'admin', 'logistics', 'window'] as const
export const ROLE_CODES = ['bureau_admin', 'inspector', 'unit_admin', 'dept_head', 'handler', 'staff', 'supervisor'] as const

/** The kind a new child of a node usually has. */
export function childKindOf(kind: string | undefined): string {
  const i = NODE_KINDS.indexOf(kind as (typeof NODE_KINDS)[number])
  if (i < 0) return 'department'
  return NODE_KINDS[Math.min(i + 1, NODE_KINDS.length - 1)]
}

/** The fields of `after` (a form) that differ from `before`: the body of a PATCH that changes only those. */
export function changedFields<A extends object, K extends keyof A>(before: { [P in K]: unknown }, after: A, keys: readonly K[]): Partial<Pick<A, K>> {
  const out: Partial<Pick<A, K>> = {}
  for (const k of keys) if (after[k] !== before[k]) out[k] = after[k]
  return out
}
