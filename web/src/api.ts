// The one HTTP wrapper of the console: JSON in and out, CSRF header on every
// non-GET request, errors thrown as ApiError, and a 401 sends the user to /login.
import { errorText } from './errors'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field?: string
  /** The parsed response body, when there was one (e.g. an import's 422 result). */
  readonly body?: unknown

  constructor(status: number, code: string, message: string, field?: string, body?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.body = body
  }
}

/** The text to show for a failed request, in the user's language (codes mapped in errors.ts). */
export function errorMessage(e: unknown): string {
  return errorText(e)
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  /** A JSON-serialisable body. */
  json?: unknown
  /** A raw text body sent as is (e.g. CSV). */
  text?: string
  /** A file's raw bytes sent as the body (attachments); Content-Type from contentType or the file. */
  blob?: Blob
  contentType?: string
  /** Don't run the 401 handler (login itself, and the session probe at start-up). */
  noAuthRedirect?: boolean
  signal?: AbortSignal
  /** The Accept header (default application/json). */
  accept?: string
}

let csrfToken = ''
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? ''
}
export function getCsrfToken(): string {
  return csrfToken
}

function defaultUnauthorized(): void {
  if (typeof window === 'undefined') return
  const here = window.location.pathname + window.location.search
  if (window.location.pathname === '/login') return
  window.location.assign('/login?redirect=' + encodeURIComponent(here))
}
let unauthorizedHandler: () => void = defaultUnauthorized
/** The app installs a router-based handler; tests install a spy. */
export function setUnauthorizedHandler(fn: () => void): void {
  unauthorizedHandler = fn
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    params.append(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

async function parseBody(res: Response): Promise<unknown> {
  const text = await res.text()
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Sends a request and returns the server's answer when it is a success; a failure to reach the
 * server or an error answer is thrown as an ApiError (and a 401 runs the sign-in handler).
 * `request` reads the answer as JSON; `download` (shared/download.ts) reads it as a file.
 */
export async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const m = method.toUpperCase()
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' }
  let body: string | Blob | undefined
  if (opts.blob !== undefined) {
    headers['Content-Type'] = opts.contentType ?? (opts.blob.type || 'application/octet-stream')
    body = opts.blob
  } else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  } else if (opts.text !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'text/plain; charset=utf-8'
    body = opts.text
  }
  if (m !== 'GET' && m !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: m,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e
    throw new ApiError(0, 'network_error', (e as Error)?.message || 'network error')
  }
  if (res.ok) return res

  const data = await parseBody(res)
  let code = `http_${res.status}`
  let message = res.statusText || `HTTP ${res.status}`
  let field: string | undefined
  const err = (data as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error
  if (err && typeof err === 'object') {
    if (err.code) code = err.code
    if (err.message) message = err.message
    if (err.field) field = err.field
  } else if (typeof data === 'string' && data.length < 300) {
    message = data
  }
  if (res.status === 401 && !opts.noAuthRedirect) unauthorizedHandler()
  throw new ApiError(res.status, code, message, field, data)
}

export async function request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts)
  if (res.status === 204) return undefined as T
  return (await parseBody(res)) as T
}

export const api = {
  get: <T>(path: string, query?: Query, opts: RequestOptions = {}) => request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, json?: unknown, opts: RequestOptions = {}) =>
    request<T>('POST', path, { ...opts, json: json === undefined ? {} : json }),
  patch: <T>(path: string, json: unknown, opts: RequestOptions = {}) => request<T>('PATCH', path, { ...opts, json }),
  del: <T>(path: string, opts: RequestOptions = {}) => request<T>('DELETE', path, opts),
}

// ---- Types of the API contract (ids are 64-bit and travel as strings) ----

export interface Grant {
  id: string
  role: string
  node_id: string
  node_name: string
}

export interface Me {
  id: string
  username: string
  display_name: string
  staff_id: string | null
  must_change_password: boolean
  grants: Grant[]
  permissions: string[]
}

export interface SessionInfo {
  csrf_token: string
  user: Me
  other_sessions?: number // sign-in only: the user's other sessions still open
}

/** One of the signed-in user's own open sessions (登录设备). */
export interface OpenSession {
  id: string
  ip: string
  user_agent: string
  created_at: number
  last_seen: number
  current: boolean
}

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}
