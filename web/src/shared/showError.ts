// The one way the console reports a failed request: a toast with the sentence for the server's
// error code in the user's language (errors.ts), and the server's own words only under a
// collapsed 详情, for support. A 401 is not shown (api.ts already sends the user to sign in), nor is
// a request the page itself cancelled; anything that is not a server answer reads as a network failure.
import { h } from 'vue'
import { ElMessage } from 'element-plus'
import { i18n } from '../i18n'
import { asInfo, describeError } from '../errors'

function isCancelled(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { name?: unknown }).name === 'AbortError'
}

/**
 * Shows `e` as an error toast. `text`, when given, replaces the code's sentence (e.g. an import's
 * own wording for a file it could not read); the 详情 is still the server's.
 */
export function showError(e: unknown, text?: string): void {
  if (isCancelled(e)) return
  const info = asInfo(e)
  if (info.status === 401) return
  const d = describeError(info)
  const sentence = text || d.text
  if (!d.detail) {
    ElMessage.error(sentence)
    return
  }
  ElMessage({
    type: 'error',
    message: h('div', { class: 'api-error', 'data-testid': 'api-error' }, [
      h('div', sentence),
      h('details', { style: 'font-size:12px;opacity:.75;margin-top:4px' }, [
        h('summary', { style: 'cursor:pointer' }, i18n.global.t('errors.details')),
        h('div', { lang: 'en' }, d.detail),
      ]),
    ]),
  })
}
