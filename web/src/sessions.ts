// 登录设备: the signed-in user's own open sessions, and a short description of each device
// from its User-Agent (微信 / 手机浏览器 / 电脑浏览器) with the browser's name.
import { api, type OpenSession } from './api'

export type DeviceKind = 'wechat' | 'mobile' | 'desktop' | 'unknown'

export function deviceKind(ua: string): DeviceKind {
  if (!ua) return 'unknown'
  if (/MicroMessenger/i.test(ua)) return 'wechat'
  if (/Mobile|Android|iPhone|iPad|HarmonyOS/i.test(ua)) return 'mobile'
  if (/Windows|Macintosh|Linux|X11|CrOS/i.test(ua)) return 'desktop'
  return 'unknown'
}

/** The browser's name as users know it, or '' when it cannot be told. */
export function browserName(ua: string): string {
  const rules: [RegExp, string][] = [
    [/MicroMessenger/i, ''],
    [/Edg\//, 'Edge'],
    [/QQBrowser/i, 'QQ'],
    [/UCBrowser/i, 'UC'],
    [/360SE|360EE/i, '360'],
    [/Firefox\//, 'Firefox'],
    [/Chrome\/|Chromium\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ]
  for (const [re, name] of rules) if (re.test(ua)) return name
  return ''
}

export async function listSessions(): Promise<OpenSession[]> {
  return (await api.get<{ items: OpenSession[] }>('/api/v1/me/sessions')).items
}

export async function endSession(id: string): Promise<void> {
  await api.del(`/api/v1/me/sessions/${encodeURIComponent(id)}`)
}

export async function endOtherSessions(): Promise<number> {
  return (await api.post<{ ended: number }>('/api/v1/me/sessions/end-others', {})).ended
}
