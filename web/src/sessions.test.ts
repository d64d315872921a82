import { describe, it, expect } from 'vitest'
import { deviceKind, browserName } from './sessions'

describe('signed-in devices', () => {
  it('tells WeChat, phones and desktops apart', () => {
    expect(deviceKind('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.42')).toBe('wechat')
    expect(deviceKind('Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36')).toBe('mobile')
    expect(deviceKind('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('desktop')
    expect(deviceKind('')).toBe('unknown')
    expect(deviceKind('curl/8.0')).toBe('unknown')
  })
  it('names the browser', () => {
    expect(browserName('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('Edge')
    expect(browserName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36')).toBe('Chrome')
    expect(browserName('Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15')).toBe('Safari')
    expect(browserName('Mozilla/5.0 (iPhone) MicroMessenger/8.0')).toBe('')
  })
})
