// The phone's inspection drafts in IndexedDB (database manyi-inspect, store drafts, one record
// per task): answers, notes and photo blobs survive a reload and a lost connection until they
// are sent. The queue's rules are model.ts's (flushDraft); this file only stores, and sends the
// queued drafts when the page loads and when the `online` event fires.
import { errorMessage } from '../../api'
import { addInspectionPhoto, performTask } from './api'
import { flushQueued, type Draft, type DraftApi, type DraftStore, type FlushOutcome } from './model'

const DB = 'manyi-inspect'
const STORE = 'drafts'

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1)
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'task_id' })
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}
let db: Promise<IDBDatabase> | null = null
async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  db ??= open()
  const conn = await db
  return new Promise<T | undefined>((resolve, reject) => {
    const t = conn.transaction(STORE, mode)
    const req = fn(t.objectStore(STORE))
    t.oncomplete = () => resolve(req ? req.result : undefined)
    t.onerror = () => reject(t.error)
    t.onabort = () => reject(t.error)
  })
}

export const idbDrafts: DraftStore = {
  get: (taskId) => tx<Draft>('readonly', (s) => s.get(taskId) as IDBRequest<Draft>),
  put: async (d) => {
    await tx('readwrite', (s) => void s.put(d))
  },
  remove: async (taskId) => {
    await tx('readwrite', (s) => void s.delete(taskId))
  },
  all: async () => (await tx<Draft[]>('readonly', (s) => s.getAll() as IDBRequest<Draft[]>)) ?? [],
}

export const draftApi: DraftApi = {
  perform: (taskId, body) => performTask(taskId, body),
  addPhoto: (id, item, p) => addInspectionPhoto(id, item, p.blob, p.name),
  online: () => typeof navigator === 'undefined' || navigator.onLine !== false,
}

type Listener = (outcomes: Record<string, FlushOutcome>) => void
const listeners = new Set<Listener>()
let flushing: Promise<Record<string, FlushOutcome>> | null = null

/** Sends the queued drafts (one run at a time); listeners hear what happened. */
export function syncDrafts(): Promise<Record<string, FlushOutcome>> {
  flushing ??= flushQueued(idbDrafts, draftApi, errorMessage)
    .then((out) => {
      if (Object.keys(out).length) listeners.forEach((l) => l(out))
      return out
    })
    .finally(() => (flushing = null))
  return flushing
}

let started = false
/** Starts the sync once per page: now, on every `online` event, and every 20 s while drafts wait. */
export function startDraftSync(): void {
  if (started || typeof window === 'undefined') return
  started = true
  window.addEventListener('online', () => void syncDrafts())
  setInterval(() => void syncDrafts(), 20_000)
  void syncDrafts()
}
/** Hear about drafts sent in the background; returns the unsubscribe. */
export function onDraftsSynced(l: Listener): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}
