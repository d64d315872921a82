// Keyboard entry of a form top to bottom (评价录入 of paper forms): Tab moves field by field
// (a radio group is one stop), a number key picks that option of the focused group — 1 is the
// first option shown, as ticked on the paper — and moves on, Enter in a one-line input or on a
// chosen option moves on, and Ctrl+Enter saves from anywhere.

const STOPS = 'input:not([type=hidden]):not([disabled]), textarea:not([disabled]), button[data-key-stop]'

/** The fields of root in tab order, one stop per radio group (its checked option, else its first). */
export function keyStops(root: HTMLElement): HTMLElement[] {
  const seen = new Set<string>()
  const out: HTMLElement[] = []
  for (const el of Array.from(root.querySelectorAll<HTMLElement>(STOPS))) {
    if (el.closest('[data-key-skip]') || el.tabIndex < 0) continue
    if (el instanceof HTMLInputElement && el.type === 'radio') {
      if (seen.has(el.name)) continue
      seen.add(el.name)
      const group = Array.from(root.querySelectorAll<HTMLInputElement>(`input[type=radio][name="${CSS.escape(el.name)}"]`))
      out.push(group.find((r) => r.checked) ?? group[0])
    } else out.push(el)
  }
  return out
}

/** Focuses the field after `from` (or the first one). */
export function focusNext(root: HTMLElement, from: Element | null) {
  const stops = keyStops(root)
  let i = -1
  if (from) {
    i = stops.indexOf(from as HTMLElement)
    if (i < 0 && from instanceof HTMLInputElement && from.type === 'radio') i = stops.findIndex((s) => s instanceof HTMLInputElement && s.name === from.name)
  }
  stops[i + 1]?.focus()
}

/** The keydown handler of a form: returns true when it handled the key. */
export function onEntryKey(e: KeyboardEvent, root: HTMLElement, save: () => void): boolean {
  const el = e.target as HTMLElement | null
  if (!el) return false
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault()
    save()
    return true
  }
  const input = el instanceof HTMLInputElement ? el : null
  if (input && (input.type === 'radio' || input.type === 'checkbox') && /^[1-9]$/.test(e.key)) {
    const group = input.closest('[role=radiogroup], .el-checkbox-group')
    if (!group) return false
    const options = Array.from(group.querySelectorAll<HTMLInputElement>(`input[type=${input.type}]`))
    const pick = options[Number(e.key) - 1]
    e.preventDefault()
    if (!pick || pick.disabled) return true
    pick.click()
    if (input.type === 'radio') focusNext(root, pick)
    else pick.focus()
    return true
  }
  if (e.key === 'Enter' && input && input.type !== 'checkbox' && !e.isComposing) {
    e.preventDefault()
    focusNext(root, input)
    return true
  }
  return false
}
