// Names of case vocabulary in the current language; codes the console does not know yet
// fall back on the Chinese name the server sent, then on the code.
import { h } from 'vue'
import { ElMessage } from 'element-plus'
import { i18n } from '../i18n'
import { ApiError, errorMessage } from '../api'
import { describeError, asInfo } from '../errors'

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

/** Shows a failed request in the user's language; the server's own words only in a collapsed 详情, for support. */
export function showError(e: unknown): void {
  if (e instanceof ApiError && e.status === 401) return
  const d = describeError(asInfo(e))
  if (!d.detail) {
    ElMessage.error(d.text)
    return
  }
  ElMessage({
    type: 'error',
    message: h('div', { class: 'api-error', 'data-testid': 'api-error' }, [
      h('div', d.text),
      h('details', { style: 'font-size:12px;opacity:.75;margin-top:4px' }, [
        h('summary', { style: 'cursor:pointer' }, i18n.global.t('errors.details')),
        h('div', { lang: 'en' }, d.detail),
      ]),
    ]),
  })
}
/** For places that need a plain string. */
export { errorMessage }
