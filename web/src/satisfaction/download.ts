// Downloads a file the server generates (an .xlsx export) with the session cookie;
// an error answer becomes an ApiError like any other request.
import { ApiError, buildUrl, type Query } from '../api'

export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  let res: Response
  try {
    res = await fetch(buildUrl(path, query), { credentials: 'same-origin' })
  } catch (e) {
    throw new ApiError(0, 'network_error', (e as Error)?.message || 'network error')
  }
  if (!res.ok) {
    let code = `http_${res.status}`
    let message = res.statusText || `HTTP ${res.status}`
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
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fallbackName
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 2000)
}
