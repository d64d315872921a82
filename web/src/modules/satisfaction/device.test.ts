import { describe, expect, it } from 'vitest'
import { DEVICE_KEY, deviceId } from './device'

function memory(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data }
}

describe('device id', () => {
  it('reuses the id the public rating page stored', () => {
    const s = memory({ [DEVICE_KEY]: 'abcDEF12-_x' })
    expect(deviceId(s)).toBe('abcDEF12-_x')
  })
  it('creates and keeps an id when there is none or it is malformed', () => {
    for (const bad of [undefined, 'short', 'has space in it', 'x'.repeat(65)]) {
      const s = memory(bad === undefined ? {} : { [DEVICE_KEY]: bad })
      const id = deviceId(s)!
      expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
      expect(s.data.get(DEVICE_KEY)).toBe(id)
      expect(deviceId(s)).toBe(id)
    }
  })
  it('gives up quietly without storage', () => {
    expect(deviceId(undefined)).toBeNull()
    const throwing = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => undefined,
    }
    expect(deviceId(throwing)).toBeNull()
  })
})
