import { describe, expect, test } from 'bun:test'
import { hashPassword, passwordMatches } from './password-check.ts'

describe('password hashes', () => {
  test("new hashes are argon2id at 19 MiB and two passes, not Bun's 64 MiB default", async () => {
    const h = await hashPassword('a-long-enough-password')
    expect(h).toStartWith('$argon2id$v=19$m=19456,t=2,p=1$')
    expect(await passwordMatches('a-long-enough-password', h)).toBe(true)
    expect(await passwordMatches('another-password', h)).toBe(false)
  })

  test('a hash made before, with the default parameters, still verifies', async () => {
    const old = await Bun.password.hash('made-by-an-earlier-release')
    expect(old).toStartWith('$argon2id$v=19$m=65536,')
    expect(await passwordMatches('made-by-an-earlier-release', old)).toBe(true)
  })

  test('no such user: a full check that fails', async () => {
    expect(await passwordMatches('whatever', undefined)).toBe(false)
  })
})
