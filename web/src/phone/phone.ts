// Phone layout: one shared media query (width < 768 px) that every view reads through
// useIsPhone(), so the console switches to its phone layout (drawer menu, lists as cards,
// dialogs and drawers fitting the screen) in one place. Dialog and drawer widths on a phone
// are capped globally in style.css (dialogs 92vw, drawers the screen width), with the same
// breakpoint.
import { readonly, ref, type Ref } from 'vue'

/** Widths below this are laid out for phones (Element Plus' "sm" breakpoint). */
export const PHONE_MAX_WIDTH = 767
export const PHONE_QUERY = `(max-width: ${PHONE_MAX_WIDTH}px)`

const phone = ref(false)
let watching = false

function watchQuery() {
  if (watching || typeof window === 'undefined' || typeof window.matchMedia !== 'function') return
  watching = true
  const mq = window.matchMedia(PHONE_QUERY)
  phone.value = mq.matches
  mq.addEventListener('change', (e) => (phone.value = e.matches))
}

/** True while the window is phone-sized; reactive, shared by every caller. */
export function useIsPhone(): Readonly<Ref<boolean>> {
  watchQuery()
  return readonly(phone)
}
