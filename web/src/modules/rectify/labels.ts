// Names of the ledger's vocabulary in the current language; a code the console does not know
// yet shows as itself.
import { i18n } from '../../i18n'

function label(group: string, code: string | null | undefined): string {
  if (!code) return ''
  const key = `rectify.${group}.${code}`
  return i18n.global.te(key) ? i18n.global.t(key) : code
}
export const rectStatusLabel = (code: string | null | undefined) => label('status', code)
export const rectSourceLabel = (code: string | null | undefined) => label('source', code)
export const rectActionLabel = (code: string | null | undefined) => label('action', code)
export const severityLabel = (code: string | null | undefined) => label('severity', code)
