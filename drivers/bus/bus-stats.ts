// What a bus did, for `robot/status` and the API: frames, timeouts, checksum errors and
// the achieved rates over a sliding window.
import type { BusStatus } from '../../core/robot-types.ts'

/** The snapshot is the robot-wide BusStatus shape, so robot/status carries it unchanged. */
export type BusStatsSnapshot = BusStatus

export class BusStats {
  requests = 0
  replies = 0
  timeouts = 0
  retries = 0
  errors = 0
  lastError: string | null = null
  private sweeps: number[] = []
  private transactions: number[] = []

  constructor(
    readonly name: string,
    private readonly decoderStats: () => { checksumErrors: number; discardedBytes: number },
  ) {}

  private mark(list: number[], now: number) {
    list.push(now)
    while (list.length && list[0] < now - 5000) list.shift()
  }

  transaction(now = performance.now()) {
    this.mark(this.transactions, now)
  }

  sweep(now = performance.now()) {
    this.mark(this.sweeps, now)
  }

  private rate(list: number[], now: number): number {
    const recent = list.filter((t) => t >= now - 5000)
    if (recent.length < 2) return 0
    return Math.round(((recent.length - 1) / ((recent[recent.length - 1] - recent[0]) / 1000)) * 10) / 10
  }

  snapshot(now = performance.now()): BusStatsSnapshot {
    const d = this.decoderStats()
    return {
      name: this.name,
      requests: this.requests,
      replies: this.replies,
      timeouts: this.timeouts,
      retries: this.retries,
      checksum_errors: d.checksumErrors,
      discarded_bytes: d.discardedBytes,
      errors: this.errors,
      last_error: this.lastError,
      sweeps_per_s: this.rate(this.sweeps, now),
      transactions_per_s: this.rate(this.transactions, now),
    }
  }
}
