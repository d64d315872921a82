// Table imports (staff, discharged patients): the file goes to the server as uploaded (.xlsx or
// CSV in UTF-8 or GBK — the server's one reader decodes it), and the server's row errors
// (row, field, code, value) are shown as sentences in the console's language.
import { ApiError, request, type Query } from './api'
import { i18n } from './i18n'

export interface ImportRowError {
  row: number
  field: string
  code?: string
  value?: string
  message: string
}

export interface ImportAnswer {
  imported: number
  duplicates?: number
  errors: ImportRowError[]
}

export const IMPORT_ACCEPT = '.xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

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

function tr(key: string, params: Record<string, unknown> = {}): string {
  return i18n.global.t(key, params) as string
}
function has(key: string): boolean {
  return i18n.global.te(key)
}

/** The column's name as the import's template writes it ("工号", "出院科室" …). */
export function importColumnLabel(field: string): string {
  return has(`imports.columns.${field}`) ? tr(`imports.columns.${field}`) : field
}

/** One row error as a sentence: "「内科二」在本单位找不到该科室". */
export function importRowText(e: ImportRowError): string {
  const key = `imports.rowCodes.${e.code ?? ''}`
  if (e.code && has(key)) return tr(key, { value: e.value ?? '', column: importColumnLabel(e.field) })
  return e.message
}

/** A file-level error (unreadable file, missing column …) as a sentence, or '' if not one. */
export function importFileText(e: unknown): string {
  if (!(e instanceof ApiError)) return ''
  if (e.code === 'missing_column') return tr('imports.missingColumn', { column: importColumnLabel(e.field ?? '') })
  const key = `imports.fileCodes.${e.code}`
  return has(key) ? tr(key) : ''
}
