// Names of the satisfaction vocabulary in the current language, falling back to the
// label the server sent (or the code) for anything the console doesn't know yet.
import { i18n } from '../../i18n'

function label(prefix: string, code: string | number | null | undefined, fallback?: string): string {
  if (code === null || code === undefined || code === '') return fallback ?? ''
  const key = `sat.${prefix}.${code}`
  return i18n.global.te(key) ? i18n.global.t(key) : (fallback ?? String(code))
}

export const levelLabel = (level: number | null | undefined, fallback?: string) => label('level', level, fallback)
export const channelLabel = (c: string | null | undefined, fallback?: string) => label('channel', c, fallback)
export const statusLabel = (s: string | null | undefined, fallback?: string) => label('status', s, fallback)
export const flagLabel = (f: string | null | undefined) => label('flag', f)
export const flagHelp = (f: string | null | undefined) => label('flagHelp', f, '')
export const itemTypeLabel = (s: string | null | undefined) => label('editor.type', s)
