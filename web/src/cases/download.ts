// Downloads a file the server generates (e.g. an .xlsx export) with the session cookie,
// turning an error answer into an ApiError like any other request.
import { ApiError, buildUrl, type Query } from '../api'

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

export async function downloadFile(path: string, query: Query, fallbackName: string): Promise<void> {
  let res: Response
  try {
    res = await fetch(buildUrl(path, query), { credentials: 'same-origin' })
  } catch (e) {
    throw new ApiError(0, 'network_error', (e as Error)?.message || 'network error')
  }
  if (!res.ok) {
    let code = `http_${res.status}`
    let message = res.statusText
    let field: string | undefined
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string; field?: string } }
      if (j.error?.code) code = j.error.code
      if (j.error?.message) message = j.error.message
      field = j.error?.field
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message, field)
  }
  const blob = await res.blob()
  const name = fileNameFromDisposition(res.headers.get('Content-Disposition'), fallbackName)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 2000)
}
