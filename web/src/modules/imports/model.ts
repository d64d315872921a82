// Table imports (staff, discharged patients): what the server answers — the rows imported and
// its row errors (row, field, code, value) — and those errors as sentences in the console's
// language. The upload itself is in api.ts.
import { ApiError } from '../../api'
import { i18n } from '../../i18n'

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
