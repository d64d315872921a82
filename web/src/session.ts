// The signed-in user, shared by every page. The session cookie is HttpOnly, so
// the console only keeps the user and the CSRF token it was given.
import { reactive } from 'vue'
import { api, ApiError, setCsrfToken, type Me, type SessionInfo } from './api'
import { markStaffDevice } from './modules/satisfaction/device'

export const session = reactive({
  user: null as Me | null,
  loaded: false,
})

function accept(info: SessionInfo): Me {
  setCsrfToken(info.csrf_token)
  session.user = info.user
  session.loaded = true
  return info.user
}

/** Ask the server who we are; a 401 just means nobody is signed in. */
export async function loadMe(): Promise<Me | null> {
  try {
    return accept(await api.get<SessionInfo>('/api/v1/me', undefined, { noAuthRedirect: true }))
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      clearSession()
      session.loaded = true
      return null
    }
    throw e
  }
}

/** Signs in; endOthers also ends the user's sign-ins elsewhere. Returns the user and how many other sessions stay open. */
export async function login(username: string, password: string, endOthers = false): Promise<{ user: Me; otherSessions: number }> {
  const info = await api.post<SessionInfo>(
    '/api/v1/auth/login',
    { username, password, ...(endOthers ? { end_other_sessions: true } : {}) },
    { noAuthRedirect: true },
  )
  const user = accept(info)
  void markStaffDevice() // ratings from this browser are now held for review (staff_device)
  return { user, otherSessions: info.other_sessions ?? 0 }
}

export async function logout(): Promise<void> {
  try {
    await api.post('/api/v1/auth/logout', {}, { noAuthRedirect: true })
  } finally {
    clearSession()
  }
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  await api.post('/api/v1/auth/password', { old_password: oldPassword, new_password: newPassword })
  // The server may rotate the session and the CSRF token: read them again.
  await loadMe()
}

export function clearSession(): void {
  session.user = null
  setCsrfToken('')
}

export function hasPermission(perm: string | undefined): boolean {
  if (!perm) return true
  return !!session.user?.permissions?.includes(perm)
}
