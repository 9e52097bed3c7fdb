import { describe, expect, test } from 'bun:test'
import { roleAtLeast, signToken, verifyToken } from './token.ts'

const secret = 'x'.repeat(40)
const claims = { sub: 'ann', uid: 3, role: 'operator' as const, ver: 1 }

describe('bearer tokens', () => {
  test('round-trip and expiry', () => {
    const t = signToken(claims, secret, 60, 1_000_000)
    expect(verifyToken(t, secret, 1_000_000)).toMatchObject(claims)
    expect(verifyToken(t, secret, 1_000_000 + 61_000)).toBeNull()
  })

  test('forgeries fail: other secret, edited body, alg none', () => {
    const t = signToken(claims, secret, 60)
    expect(verifyToken(t, 'y'.repeat(40))).toBeNull()
    const [h, , s] = t.split('.')
    const admin = Buffer.from(JSON.stringify({ ...claims, role: 'admin', iat: 0, exp: 9e9 })).toString('base64url')
    expect(verifyToken(`${h}.${admin}.${s}`, secret)).toBeNull()
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    expect(verifyToken(`${none}.${admin}.`, secret)).toBeNull()
    expect(verifyToken('garbage', secret)).toBeNull()
  })

  test('role order', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true)
    expect(roleAtLeast('viewer', 'operator')).toBe(false)
    expect(roleAtLeast('operator', 'operator')).toBe(true)
  })
})
