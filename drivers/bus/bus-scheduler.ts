// One wire, one transaction at a time. Commands jump ahead of every queued poll, so an
// emergency stop waits at most for the transaction already on the wire (a few ms), never
// for a sweep of sixteen reads.

export type BusPriority = 'command' | 'poll'

interface Job {
  run: () => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

export class BusScheduler {
  private commands: Job[] = []
  private polls: Job[] = []
  private busy = false
  readonly stats = { commands: 0, polls: 0, maxQueue: 0 }

  run<T>(priority: BusPriority, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = { run: fn, resolve: resolve as (v: unknown) => void, reject }
      if (priority === 'command') {
        this.commands.push(job)
        this.stats.commands++
      } else {
        this.polls.push(job)
        this.stats.polls++
      }
      this.stats.maxQueue = Math.max(this.stats.maxQueue, this.commands.length + this.polls.length)
      void this.pump()
    })
  }

  /** Drops queued polls (not commands): after an emergency stop, stale reads can wait. */
  dropPolls(reason: string) {
    for (const j of this.polls.splice(0)) j.reject(new Error(reason))
  }

  get queued(): number {
    return this.commands.length + this.polls.length
  }

  private async pump() {
    if (this.busy) return
    this.busy = true
    try {
      for (;;) {
        const job = this.commands.shift() ?? this.polls.shift()
        if (!job) break
        try {
          job.resolve(await job.run())
        } catch (err) {
          job.reject(err)
        }
      }
    } finally {
      this.busy = false
    }
  }
}
