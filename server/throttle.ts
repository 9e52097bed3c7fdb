// Slows down password guessing, over HTTP and MQTT alike. Failures are counted per peer
// address and per account: after a few, each further attempt must wait, doubling up to a cap.
// Keyed on the address, one guesser slows only itself; keyed on the account, guessing one
// account from many addresses is slowed too (at the price that such an attack also delays
// that account's owner, for at most the cap). A success forgives the account, never the
// address: a guesser with an account of its own cannot wipe its record by logging in.

export interface BackoffOptions {
  freeAttempts: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** Failures older than this are forgotten. */
  forgetAfterMs?: number
}

const FORGET_MS = 15 * 60_000

export class Backoff {
  private failures = new Map<string, { count: number; until: number; last: number }>()

  constructor(private readonly opts: BackoffOptions, private readonly now: () => number = Date.now) {}

  /** Milliseconds to wait before this key may try again (0 = go ahead). */
  retryAfter(key: string): number {
    const f = this.failures.get(key)
    return f ? Math.max(0, f.until - this.now()) : 0
  }

  fail(key: string) {
    const now = this.now()
    const forget = this.opts.forgetAfterMs ?? FORGET_MS
    const f = this.failures.get(key) ?? { count: 0, until: 0, last: now }
    if (now - f.last > forget) f.count = 0
    f.count++
    f.last = now
    if (f.count > this.opts.freeAttempts) {
      f.until = now + Math.min(this.opts.maxDelayMs ?? 60_000, (this.opts.baseDelayMs ?? 1000) * 2 ** (f.count - this.opts.freeAttempts - 1))
    }
    this.failures.set(key, f)
    if (this.failures.size > 10_000) {
      for (const [k, x] of this.failures) if (now - x.last > forget && x.until <= now) this.failures.delete(k)
    }
  }

  forgive(key: string) {
    this.failures.delete(key)
  }
}

export class AuthThrottle {
  private readonly byAddress: Backoff
  private readonly byAccount: Backoff

  constructor(opts: { address?: BackoffOptions; account?: BackoffOptions; now?: () => number } = {}) {
    this.byAddress = new Backoff(opts.address ?? { freeAttempts: 20 }, opts.now)
    this.byAccount = new Backoff(opts.account ?? { freeAttempts: 5 }, opts.now)
  }

  /** Milliseconds this address or this account must wait (0 = go ahead). */
  retryAfter(address: string, account: string): number {
    return Math.max(this.byAddress.retryAfter(address), this.byAccount.retryAfter(account.toLowerCase()))
  }

  fail(address: string, account: string) {
    this.byAddress.fail(address)
    this.byAccount.fail(account.toLowerCase())
  }

  succeed(account: string) {
    this.byAccount.forgive(account.toLowerCase())
  }
}
