// The one way the console downloads a file the server makes (.xlsx exports, import templates):
// fetched with the session cookie through api.ts (so an error answer is an ApiError and a 401
// goes to sign-in like any request), saved under the name the server gives it, and a failure
// reported through showError — in Chinese, the server's words only under 详情.
import { send, type Query } from '../api'
import { showError } from './showError'

/**
 * The file name the server chose: the RFC 5987 UTF-8 name (filename*=UTF-8''…) first — the
 * Chinese one, with the unit and period —, then the plain ASCII filename, then the fallback.
 */
export function fileNameFromDisposition(cd: string | null | undefined, fallbackName: string): string {
  const v = cd ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(v)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* badly encoded: try the plain name */
    }
  }
  const plain = /filename="([^"]*)"|filename=([^;]+)/i.exec(v)
  const name = (plain?.[1] ?? plain?.[2] ?? '').trim()
  return name || fallbackName
}

/** Hands the bytes to the browser as a download named `name`. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 2000)
}

/**
 * Downloads GET `path` with `query`; true once the file is handed to the browser, false when the
 * request failed (already shown to the user).
 */
export async function download(path: string, query: Query, fallbackName: string): Promise<boolean> {
  try {
    const res = await send('GET', path, { query, accept: '*/*' })
    const blob = await res.blob()
    saveFile(blob, fileNameFromDisposition(res.headers.get('Content-Disposition'), fallbackName))
    return true
  } catch (e) {
    showError(e)
    return false
  }
}
