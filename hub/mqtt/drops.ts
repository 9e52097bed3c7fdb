// Messages the hub drops, counted by reason and logged at most 20 lines a minute: a robot sending
// garbage, or a flood, must not fill the log.
import type { Logger } from '../../core/log.ts'

export class DropCounter {
  readonly byReason = new Map<string, number>()
  private logged = 0
  private window = 0

  constructor(private readonly log: Logger) {}

  drop(reason: string, topic: string) {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1)
    const now = Date.now()
    if (now - this.window > 60_000) {
      this.window = now
      this.logged = 0
    }
    if (this.logged++ < 20) this.log.warn('mqtt message dropped', { topic: topic.slice(0, 200), reason })
  }
}
