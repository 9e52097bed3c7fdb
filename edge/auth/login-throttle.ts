// Slows down password guessing: after a few failures for one (user, address) pair, each
// further attempt must wait, doubling up to a cap. Success clears the record.

export class LoginThrottle {
  private failures = new Map<string, { count: number; until: number; last: number }>()

  constructor(private readonly opts: { freeAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; now?: () => number } = {}) {}

  private now() {
    return (this.opts.now ?? Date.now)()
  }

  /** Milliseconds to wait before this pair may try again (0 = go ahead). */
  retryAfter(key: string): number {
    const f = this.failures.get(key)
    if (!f) return 0
    return Math.max(0, f.until - this.now())
  }

  fail(key: string) {
    const now = this.now()
    const f = this.failures.get(key) ?? { count: 0, until: 0, last: now }
    if (now - f.last > 15 * 60_000) f.count = 0 // old failures are forgiven
    f.count++
    f.last = now
    const free = this.opts.freeAttempts ?? 3
    if (f.count > free) {
      const delay = Math.min(this.opts.maxDelayMs ?? 60_000, (this.opts.baseDelayMs ?? 1000) * 2 ** (f.count - free - 1))
      f.until = now + delay
    }
    this.failures.set(key, f)
    if (this.failures.size > 10_000) this.prune(now)
  }

  succeed(key: string) {
    this.failures.delete(key)
  }

  private prune(now: number) {
    for (const [k, f] of this.failures) if (now - f.last > 15 * 60_000) this.failures.delete(k)
  }
}
