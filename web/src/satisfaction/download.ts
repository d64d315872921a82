// Downloads a file the server generates (an .xlsx export) with the session cookie, under the
// name the server gives it (Chinese, with the unit and period); an error answer becomes an
// ApiError like any other request. One implementation for the whole console: cases/download.ts.
import { downloadFile } from '../cases/download'
import type { Query } from '../api'

export function download(path: string, query: Query, fallbackName: string): Promise<void> {
  return downloadFile(path, query, fallbackName)
}
