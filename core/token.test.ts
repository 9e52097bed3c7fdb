import { describe, expect, test } from 'bun:test'
import { roleAtLeast } from './roles.ts'
import { signToken, verifyToken } from './token.ts'

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

  test('a signature or body in any spelling but canonical base64url is refused', () => {
    const t = signToken(claims, secret, 60)
    const [h, b, s] = t.split('.')
    expect(verifyToken(`${h}.${b}.${s}`, secret)).not.toBeNull()
    // The same bytes in other spellings that a lenient decoder accepts.
    const std = Buffer.from(s, 'base64url').toString('base64')
    expect(verifyToken(`${h}.${b}.${std}`, secret)).toBeNull() // standard alphabet and padding
    expect(verifyToken(`${h}.${b}.${s}=`, secret)).toBeNull() // padding
    expect(verifyToken(`${h}.${b}.${s.slice(0, 10)}\n${s.slice(10)}`, secret)).toBeNull() // a line break
    expect(verifyToken(`${h}.${b}.${s.slice(0, 10)}*${s.slice(10)}`, secret)).toBeNull() // a character the decoder skips
    // 32 bytes are 43 characters: the last one carries 4 spare bits, which must be zero.
    const last = s.at(-1)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const twin = alphabet[alphabet.indexOf(last) ^ 1]
    expect(Buffer.from(s.slice(0, -1) + twin, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true)
    expect(verifyToken(`${h}.${b}.${s.slice(0, -1)}${twin}`, secret)).toBeNull()
  })

  test('a scope other than metrics, or a role that is not ours, is refused', () => {
    expect(verifyToken(signToken({ ...claims, scope: 'metrics' }, secret, 60), secret)?.scope).toBe('metrics')
    expect(verifyToken(signToken({ ...claims, scope: 'all' as 'metrics' }, secret, 60), secret)).toBeNull()
    expect(verifyToken(signToken({ ...claims, role: 'root' as 'admin' }, secret, 60), secret)).toBeNull()
  })

  test('role order', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true)
    expect(roleAtLeast('viewer', 'operator')).toBe(false)
    expect(roleAtLeast('operator', 'operator')).toBe(true)
  })
})
