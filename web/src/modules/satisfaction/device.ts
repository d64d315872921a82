// Staff device marking: the console tells the backend the device id the public rating
// page (web/h5/index.html) keeps in this browser's localStorage, so ratings later sent
// from a staff member's browser are held for review (rule staff_device). If the browser
// has no id yet, the console creates one in the same key, so a rating from this browser
// afterwards carries the marked id.
import { markDevice } from './api'

/** The localStorage key of the public rating page's device id (see web/h5/index.html). */
export const DEVICE_KEY = 'manyi_device'

const VALID = /^[A-Za-z0-9_-]{8,64}$/

export function newDeviceId(): string {
  const c = globalThis.crypto
  if (c?.randomUUID) return c.randomUUID().replace(/-/g, '')
  let s = ''
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16)
  return s
}

/** The browser's device id, created (and stored) when missing or malformed; null without storage. */
export function deviceId(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.localStorage): string | null {
  if (!storage) return null
  try {
    const cur = storage.getItem(DEVICE_KEY)
    if (cur && VALID.test(cur)) return cur
    const id = newDeviceId()
    storage.setItem(DEVICE_KEY, id)
    return id
  } catch {
    return null
  }
}

/** Best effort: a failure must never block signing in. */
export async function markStaffDevice(): Promise<boolean> {
  const id = deviceId()
  if (!id) return false
  try {
    await markDevice(id)
    return true
  } catch {
    return false
  }
}
