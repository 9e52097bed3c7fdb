// A ceiling on password-hash work for the whole process. Each check costs a full argon2 hash
// (tens of milliseconds of a core, on purpose), whether the account exists or not: without a
// ceiling, logins with random names from many addresses would keep every core busy. At most
// `concurrent` checks run at once (a few more wait their turn) and `perSecond` may start (with
// bursts of `burst`); beyond that a check is refused at once (HTTP 503 with Retry-After, MQTT
// "server unavailable"), so the hashing never takes the cores the servo bus and an e-stop need.

export class HashBusy extends Error {
  constructor() {
    super('too many password checks at once; try again shortly')
  }
}

export interface HashGateOptions {
  concurrent: number
  waiting: number
  perSecond: number
  burst: number
}

export const DEFAULT_HASH_GATE: HashGateOptions = { concurrent: 2, waiting: 8, perSecond: 10, burst: 20 }

export class HashGate {
  private running = 0
  private queue: (() => void)[] = []
  private tokens: number
  private at = performance.now()
  refused = 0

  constructor(private readonly opts: HashGateOptions = DEFAULT_HASH_GATE) {
    this.tokens = opts.burst
  }

  /** Runs one hash check, or throws HashBusy without running it. */
  async run<T>(check: () => Promise<T>): Promise<T> {
    const t = performance.now()
    this.tokens = Math.min(this.opts.burst, this.tokens + ((t - this.at) / 1000) * this.opts.perSecond)
    this.at = t
    if (this.tokens < 1 || (this.running >= this.opts.concurrent && this.queue.length >= this.opts.waiting)) {
      this.refused++
      throw new HashBusy()
    }
    this.tokens -= 1
    if (this.running >= this.opts.concurrent) await new Promise<void>((r) => this.queue.push(r))
    this.running++
    try {
      return await check()
    } finally {
      this.running--
      this.queue.shift()?.()
    }
  }
}
