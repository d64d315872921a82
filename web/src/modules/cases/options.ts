// Case categories and vocabularies from GET /api/v1/cases/categories, loaded once.
import { reactive } from 'vue'
import { currentLang } from '../../i18n'
import { getCategories } from './api'
import type { Category, Vocab } from './model'

export const caseOptions = reactive({
  categories: [] as Category[],
  statuses: [] as Vocab[],
  loaded: false,
})

let pending: Promise<void> | null = null
export function loadCaseOptions(force = false): Promise<void> {
  if (pending && !force) return pending
  pending = getCategories()
    .then((r) => {
      caseOptions.categories = r.items ?? []
      caseOptions.statuses = r.statuses ?? []
      caseOptions.loaded = true
    })
    .catch((e) => {
      pending = null
      throw e
    })
  return pending
}

/** A category's name; a sub-category is named with its top category ("收费 · 多收乱收"). */
export function categoryName(code: string | null | undefined, fallback?: string): string {
  if (!code) return ''
  const c = caseOptions.categories.find((x) => x.code === code)
  if (!c) return fallback || code
  const own = currentLang() === 'en' && c.name_en ? c.name_en : c.name
  return c.parent ? `${categoryName(c.parent, c.parent)} · ${own}` : own
}

/** Category codes as a tree when the server gives parents (or dotted codes), else a flat list. */
export interface CategoryNode {
  value: string
  label: string
  children?: CategoryNode[]
}
export function categoryTree(items: Category[], label: (c: Category) => string): CategoryNode[] {
  const byCode = new Map(items.map((c) => [c.code, c]))
  const parentOf = (c: Category): string | null => {
    if (c.parent && byCode.has(c.parent)) return c.parent
    const dot = c.code.lastIndexOf('.')
    if (dot > 0 && byCode.has(c.code.slice(0, dot))) return c.code.slice(0, dot)
    return null
  }
  const nodes = new Map<string, CategoryNode>(items.map((c) => [c.code, { value: c.code, label: label(c) }]))
  const roots: CategoryNode[] = []
  const sorted = [...items].sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code))
  for (const c of sorted) {
    const n = nodes.get(c.code)!
    const p = parentOf(c)
    if (p) (nodes.get(p)!.children ??= []).push(n)
    else roots.push(n)
  }
  return roots
}

/** The keywords of a category that occur in a text (the words that chose it), when the server does not say. */
export function matchedKeywords(text: string, code: string | null | undefined): string[] {
  const c = caseOptions.categories.find((x) => x.code === code)
  if (!c || !text) return []
  const words = c.keywords
    .split(/[,，、;；\s]+/)
    .map((k) => k.trim())
    .filter(Boolean)
  return [...new Set(words.filter((k) => text.includes(k)))]
}
