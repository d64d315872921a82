// Form errors shown next to their fields: after a submit sets them, bring the first one into
// view. Works for el-form items with an `error` (class is-error) and for any element marked
// with the class field-error (e.g. a survey question in SurveyForm).
import { nextTick } from 'vue'

export const FIRST_ERROR_SELECTOR = '.el-form-item.is-error, .field-error'

/** Once the DOM shows the errors just set, scroll the first one (in `root`) to the middle of the screen. */
export async function scrollToFirstError(root: ParentNode | null | undefined = document): Promise<boolean> {
  await nextTick()
  const el = (root ?? document).querySelector<HTMLElement>(FIRST_ERROR_SELECTOR)
  if (!el) return false
  el.scrollIntoView({ block: 'center' })
  return true
}
