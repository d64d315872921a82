/** Excel in China saves CSV as GBK: accept UTF-8 (with or without BOM) and fall back to GBK. */
export function decodeCsv(bytes: Uint8Array): string {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    text = new TextDecoder('gbk').decode(bytes)
  }
  return text.replace(/^\uFEFF/, '')
}

export async function readCsv(file: Blob): Promise<string> {
  return decodeCsv(new Uint8Array(await file.arrayBuffer()))
}
