// Runs a read at a fixed rate without overlap: if a read outlasts its period the next
// one starts when it ends, and missed slots are skipped rather than bunched up.
import type { Logger } from '../core/log.ts'

export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null
  private next = 0
  private running = false
  errors = 0

  constructor(
    readonly name: string,
    private readonly periodMs: number,
    private readonly task: () => unknown,
    private readonly log: Logger,
  ) {}

  start() {
    if (this.running) return
    this.running = true
    this.next = performance.now()
    this.schedule()
  }

  private schedule() {
    if (!this.running) return
    const now = performance.now()
    this.next += this.periodMs
    if (this.next < now) this.next = now // behind: run now, do not catch up
    this.timer = setTimeout(() => void this.run(), Math.max(0, this.next - now))
  }

  private async run() {
    if (!this.running) return
    try {
      await this.task()
    } catch (err) {
      this.errors++
      if (this.errors <= 5 || this.errors % 1000 === 0) this.log.warn('poll failed', { poll: this.name, errors: this.errors, error: err as Error })
    }
    this.schedule()
  }

  stop() {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
