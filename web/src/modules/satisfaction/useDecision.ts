// 审核 with a reason (通过 / 驳回), for one held rating or a whole episode: the dialog's state,
// the required reason (its hint goes once one is written) and one submission per action.
import { ref, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { showError } from '../../shared/showError'

export type Decision = 'accept' | 'reject'

/** `send` decides `target` with the trimmed reason; it runs once at a time, errors are shown. */
export function useDecision<T>(send: (target: T, decision: Decision, reason: string) => Promise<void>) {
  const { t } = useI18n()
  const dialogOpen = ref(false)
  const deciding = ref<T | null>(null)
  const decision = ref<Decision>('accept')
  const reason = ref('')
  const reasonError = ref('')
  const saving = ref(false)
  watch(reason, () => (reasonError.value = ''))

  function openDecide(target: T, d: Decision) {
    deciding.value = target as never
    decision.value = d
    reason.value = ''
    reasonError.value = ''
    dialogOpen.value = true
  }
  async function submit() {
    if (saving.value || deciding.value === null) return // already sending: one submission per action
    if (!reason.value.trim()) {
      reasonError.value = t('sat.reviews.reasonRequired')
      return
    }
    saving.value = true
    try {
      await send(deciding.value as T, decision.value, reason.value.trim())
      dialogOpen.value = false
    } catch (e) {
      showError(e)
    } finally {
      saving.value = false
    }
  }
  return { dialogOpen, deciding, decision, reason, reasonError, saving, openDecide, submit }
}
