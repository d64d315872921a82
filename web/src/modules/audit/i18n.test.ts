// The audit log in words: every action and object the server records has Chinese and English
// text (web/src/modules/audit/i18n.ts); the extractor reads ../src/**/*.cpp, so a new action fails here.
import { describe, it, expect } from 'vitest'
import { auditVocabulary } from '../../i18n/serverTexts'
import { AUDIT_ACTIONS, AUDIT_ACTORS, AUDIT_ENTITIES, auditActionText, auditActorText, auditAddressText, auditEntityText } from './i18n'

const CJK = /[\u3400-\u9fff]/

describe('audit log words', () => {
  const { actions, entities } = auditVocabulary()

  it('finds the actions the server records, including the case workflow and computed ones', () => {
    for (const a of ['auth.login', 'case.contact.reveal', 'case.accept', 'case.extension_deny', 'org.node.deactivate', 'user.deactivate', 'form.template.seed'])
      expect(actions.has(a), a).toBe(true)
    expect(entities.has('session')).toBe(true)
  })

  it('has Chinese and English text for every audit action the server records', () => {
    expect([...actions].filter((a) => !AUDIT_ACTIONS[a]).sort(), 'add these actions to web/src/modules/audit/i18n.ts').toEqual([])
  })

  it('has Chinese and English text for every kind of object the server records', () => {
    expect([...entities].filter((e) => !AUDIT_ENTITIES[e]).sort(), 'add these objects to web/src/modules/audit/i18n.ts').toEqual([])
  })

  it('writes Chinese in Chinese and English in English', () => {
    for (const [k, w] of [...Object.entries(AUDIT_ACTIONS), ...Object.entries(AUDIT_ENTITIES)]) {
      expect(w.zh, k).toMatch(CJK)
      expect(w.zh, k).not.toMatch(/[A-Za-z]/)
      expect(w.en, k).not.toMatch(CJK)
    }
  })

  it('shows actions and objects in words', () => {
    expect(auditActionText('auth.login', 'zh-CN')).toBe('登录')
    expect(auditActionText('case.contact.reveal', 'zh-CN')).toBe('查看投诉人联系方式')
    expect(auditActionText('auth.login', 'en')).toBe('Signed in')
    expect(auditActionText('brand.new.thing', 'zh-CN')).toBe('其他操作')
    expect(auditEntityText('session', '123', 'zh-CN')).toBe('会话 123')
    expect(auditEntityText('case', null, 'zh-CN')).toBe('投诉案件')
    expect(auditEntityText('session', '123', 'en')).toBe('Session 123')
  })

  it('names the built-in actors and the server itself in words, and users by their names', () => {
    // The escalation scan writes (0, "system", "local"); commands (0, "cli", "local"); the public form (0, "public").
    expect(auditActorText('system', '0', 'zh-CN')).toBe('系统（自动）')
    expect(auditActorText('cli', 0, 'zh-CN')).toBe('命令行（服务器上）')
    expect(auditActorText('public', '0', 'zh-CN')).toBe('群众（未登录）')
    expect(auditActorText('system', '0', 'en')).toBe('System (automatic)')
    expect(auditAddressText('local', 'zh-CN')).toBe('本机')
    expect(auditAddressText('10.1.2.3', 'zh-CN')).toBe('10.1.2.3')
    expect(auditAddressText('', 'zh-CN')).toBe('—')
    // A user who happens to be called "system" is a user.
    expect(auditActorText('system', '42', 'zh-CN')).toBe('system')
    expect(auditActorText('hosp1', '7', 'zh-CN')).toBe('hosp1')
    for (const w of Object.values(AUDIT_ACTORS)) expect(CJK.test(w.zh)).toBe(true)
  })
})

