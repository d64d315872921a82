// Names of the follow-up vocabulary in the current language, falling back to the label the
// server sent (or the code) for anything the console doesn't know yet.
import { i18n } from '../../i18n'

function label(prefix: string, code: string | null | undefined, fallback?: string): string {
  if (code === null || code === undefined || code === '') return fallback ?? ''
  const key = `followup.${prefix}.${code}`
  return i18n.global.te(key) ? i18n.global.t(key) : (fallback ?? String(code))
}

export const followupStatusLabel = (s: string | null | undefined, fallback?: string) => label('statuses', s, fallback)
export const outcomeLabel = (s: string | null | undefined) => label('outcomes', s)
