// Table imports' request: the file goes to the server as uploaded (.xlsx or CSV in UTF-8 or GBK —
// the server's one reader decodes it).
import { ApiError, request, type Query } from '../../api'
import type { ImportAnswer } from './model'

/** Uploads the file's bytes; a 422 that carries {imported, errors} is a result, not a failure. */
export async function uploadImport(path: string, file: Blob, query: Query = {}): Promise<ImportAnswer> {
  try {
    const r = await request<ImportAnswer>('POST', path, { query, blob: file, contentType: 'application/octet-stream' })
    return { imported: r?.imported ?? 0, duplicates: r?.duplicates ?? 0, errors: r?.errors ?? [] }
  } catch (e) {
    const body = e instanceof ApiError ? (e.body as Partial<ImportAnswer> | undefined) : undefined
    if (e instanceof ApiError && body && Array.isArray(body.errors))
      return { imported: body.imported ?? 0, duplicates: body.duplicates ?? 0, errors: body.errors }
    throw e
  }
}
