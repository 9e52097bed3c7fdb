import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadJwtSecret, writeSecret } from './secrets.ts'

const dir = () => mkdtempSync(join(tmpdir(), 'secrets-'))

describe('first-run secrets', () => {
  test('the JWT secret is generated once into a 0600 file and reused; configuration wins', () => {
    const d = dir()
    try {
      const first = loadJwtSecret(d, undefined)
      expect(first.length).toBeGreaterThanOrEqual(32)
      expect(statSync(join(d, 'jwt-secret')).mode & 0o777).toBe(0o600)
      expect(loadJwtSecret(d, undefined)).toBe(first)
      expect(loadJwtSecret(d, 'x'.repeat(40))).toBe('x'.repeat(40))
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  })

  test('a short or empty secret file is replaced, not trusted', () => {
    const d = dir()
    try {
      writeFileSync(join(d, 'jwt-secret'), 'short\n')
      const s = loadJwtSecret(d, undefined)
      expect(s).not.toBe('short')
      expect(readFileSync(join(d, 'jwt-secret'), 'utf8').trim()).toBe(s)
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  })

  test('writing over a world-readable file makes it 0600', () => {
    const d = dir()
    try {
      const f = join(d, 'admin-password')
      writeFileSync(f, 'old\n', { mode: 0o644 })
      writeSecret(f, 'new')
      expect(statSync(f).mode & 0o777).toBe(0o600)
      expect(readFileSync(f, 'utf8')).toBe('new\n')
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  })
})
