// Names of case vocabulary in the current language; codes the console does not know yet
// fall back on the Chinese name the server sent, then on the code.
import { i18n } from '../../i18n'

function label(group: string, code: string | null | undefined, serverName?: string): string {
  if (!code) return ''
  const key = `cases.${group}.${code}`
  if (i18n.global.te(key)) return i18n.global.t(key)
  return serverName || code
}
export const caseTypeLabel = (code: string | null | undefined, name?: string) => label('type', code, name)
export const caseStatusLabel = (code: string | null | undefined, name?: string) => label('status', code, name)
export const channelLabel = (code: string | null | undefined, name?: string) => label('channel', code, name)
export const outcomeLabel = (code: string | null | undefined, name?: string) => label('outcome', code, name)
export const callbackLabel = (code: string | null | undefined, name?: string) => label('callback', code, name)
export const levelLabel = (level: number | null | undefined) => (level ? label('level', `l${level}`) : '')
