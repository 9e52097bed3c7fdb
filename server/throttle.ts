// Slows down password guessing, over HTTP and MQTT alike. Failures are counted three ways,
// each with attempts free and then a wait that doubles up to a cap:
//   - per (peer address, account): a few tries, then slow (a typo is fine; guessing is not);
//   - per peer address: one guesser trying many accounts is slowed as a whole;
//   - per account, from all addresses: only many addresses together (a distributed guess)
//     reach its threshold, which one address cannot (its own limits stop it first). Past it,
//     the account's owner waits too, for at most the cap: the price of slowing such a guess.
// One address failing never makes anyone else wait. A success forgives only its own pair.
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

  constructor(
    private readonly opts: BackoffOptions,
    private readonly now: () => number = Date.now,
  ) {}

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
  private readonly byPair: Backoff
  private readonly byAddress: Backoff
  private readonly byAccount: Backoff

  constructor(opts: { pair?: BackoffOptions; address?: BackoffOptions; account?: BackoffOptions; now?: () => number } = {}) {
    this.byPair = new Backoff(opts.pair ?? { freeAttempts: 5, maxDelayMs: 15 * 60_000 }, opts.now)
    this.byAddress = new Backoff(opts.address ?? { freeAttempts: 20, maxDelayMs: 15 * 60_000 }, opts.now)
    this.byAccount = new Backoff(opts.account ?? { freeAttempts: 100, maxDelayMs: 60_000 }, opts.now)
  }

  private keys(address: string, account: string) {
    const a = account.toLowerCase()
    return { pair: `${address}\0${a}`, address, account: a }
  }

  /** Milliseconds this address must wait before trying this account (0 = go ahead). */
  retryAfter(address: string, account: string): number {
    const k = this.keys(address, account)
    return Math.max(this.byPair.retryAfter(k.pair), this.byAddress.retryAfter(k.address), this.byAccount.retryAfter(k.account))
  }

  fail(address: string, account: string) {
    const k = this.keys(address, account)
    this.byPair.fail(k.pair)
    this.byAddress.fail(k.address)
    this.byAccount.fail(k.account)
  }

  succeed(address: string, account: string) {
    this.byPair.forgive(this.keys(address, account).pair)
  }
}
