import { describe, expect, test } from 'bun:test'
import { AuthThrottle } from './throttle.ts'
import { HashBusy, HashGate } from './hash-gate.ts'

describe('login throttle', () => {
  test('one address guessing slows itself only; many addresses together slow the account', () => {
    let now = 0
    const t = new AuthThrottle({ pair: { freeAttempts: 3 }, address: { freeAttempts: 5 }, account: { freeAttempts: 8, maxDelayMs: 30_000 }, now: () => now })
    for (let i = 0; i < 4; i++) t.fail('10.0.0.9', 'admin')
    expect(t.retryAfter('10.0.0.9', 'admin')).toBeGreaterThan(0)
    expect(t.retryAfter('10.0.0.9', 'ann')).toBe(0) // the pair, not yet the address
    expect(t.retryAfter('10.0.0.1', 'admin')).toBe(0) // nobody else waits
    for (const a of ['10.0.0.2', '10.0.0.3']) for (let i = 0; i < 3; i++) t.fail(a, 'admin')
    expect(t.retryAfter('10.0.0.1', 'admin')).toBeGreaterThan(0) // 10 failures from three addresses
    expect(t.retryAfter('10.0.0.1', 'admin')).toBeLessThanOrEqual(30_000)
    now += 16 * 60_000
    t.fail('10.0.0.9', 'admin')
    expect(t.retryAfter('10.0.0.1', 'admin')).toBe(0) // old failures forgotten
  })

  test('a success forgives its own pair, never the address', () => {
    const t = new AuthThrottle({ pair: { freeAttempts: 1 }, address: { freeAttempts: 2 } })
    t.fail('a', 'x')
    t.fail('a', 'x')
    t.fail('a', 'y')
    t.succeed('a', 'x')
    expect(t.retryAfter('a', 'z')).toBeGreaterThan(0)
  })
})

describe('hash gate', () => {
  test('a few run, a few wait, the rest are refused at once', async () => {
    const gate = new HashGate({ concurrent: 2, waiting: 2, perSecond: 1000, burst: 1000 })
    let release!: () => void
    const hold = new Promise<void>((r) => {
      release = r
    })
    const runs = Array.from({ length: 6 }, () => gate.run(() => hold.then(() => 'ran')).catch((e) => (e instanceof HashBusy ? 'busy' : 'error')))
    release()
    expect((await Promise.all(runs)).sort()).toEqual(['busy', 'busy', 'ran', 'ran', 'ran', 'ran'])
  })

  test('starts are limited per second', async () => {
    const gate = new HashGate({ concurrent: 100, waiting: 0, perSecond: 1, burst: 3 })
    const runs = await Promise.all(Array.from({ length: 5 }, () => gate.run(async () => 'ran').catch(() => 'busy')))
    expect(runs.filter((r) => r === 'ran').length).toBe(3)
  })
})
