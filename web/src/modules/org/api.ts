// The organisation's, staff's and users' requests.
import { api, type Page, type Query } from '../../api'
import type { OrgNode, Role, Staff, User } from './model'

// ---- organisation tree ----
/** The children of `parent`, or the user's scope roots without one. */
export function listNodes(parent?: string): Promise<Page<OrgNode>> {
  return api.get<Page<OrgNode>>('/api/v1/org/nodes', { parent })
}
export function getNode(id: string): Promise<OrgNode> {
  return api.get<OrgNode>(`/api/v1/org/nodes/${encodeURIComponent(id)}`)
}
export function searchNodes(q: string): Promise<Page<OrgNode>> {
  return api.get<Page<OrgNode>>('/api/v1/org/search', { q })
}
export function createNode(body: { parent_id: string; kind: string; code: string; name: string }): Promise<OrgNode> {
  return api.post<OrgNode>('/api/v1/org/nodes', body)
}
export function updateNode(id: string, body: { code?: string; name?: string; active?: boolean }): Promise<OrgNode> {
  return api.patch<OrgNode>(`/api/v1/org/nodes/${id}`, body)
}
export function moveNode(id: string, parentId: string | null): Promise<OrgNode> {
  return api.post<OrgNode>(`/api/v1/org/nodes/${id}/move`, { parent_id: parentId })
}

// ---- staff ----
export interface StaffQuery extends Query {
  node?: string | null
  q?: string
  category?: string
}
export function listStaff(q: StaffQuery, cursor: string | null, limit: number): Promise<Page<Staff>> {
  return api.get<Page<Staff>>('/api/v1/staff', { ...q, cursor, limit })
}
export function createStaff(body: { employee_no: string; name: string; category: string; title: string; node_id: string | null }): Promise<Staff> {
  return api.post<Staff>('/api/v1/staff', body)
}
export function updateStaff(id: string, body: Partial<{ name: string; category: string; title: string; node_id: string | null; active: boolean }>): Promise<Staff> {
  return api.patch<Staff>(`/api/v1/staff/${id}`, body)
}

// ---- users and roles ----
export function listUsers(q: { node?: string | null; q?: string }, cursor: string | null, limit: number): Promise<Page<User>> {
  return api.get<Page<User>>('/api/v1/users', { ...q, cursor, limit })
}
export async function listRoles(): Promise<Role[]> {
  return (await api.get<{ items: Role[] }>('/api/v1/roles')).items ?? []
}
export function createUser(body: { username: string; display_name: string; password: string; must_change_password: boolean }): Promise<User> {
  return api.post<User>('/api/v1/users', body)
}
export function setUserActive(id: string, active: boolean): Promise<User> {
  return api.patch<User>(`/api/v1/users/${id}`, { active })
}
export function grantRole(userId: string, role: string, nodeId: string | null): Promise<unknown> {
  return api.post(`/api/v1/users/${userId}/grants`, { role, node_id: nodeId })
}
export function revokeGrant(userId: string, grantId: string): Promise<unknown> {
  return api.del(`/api/v1/users/${userId}/grants/${grantId}`)
}
