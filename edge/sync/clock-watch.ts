// Notes the wall clock's spans (sync/clock.ts) in the robot's database: a new span at each
// boot and whenever the wall clock steps against the monotonic one, starting at the sequence
// number the next record will take. At a step, what the store still buffers is split by the
// clock that stamped it (the two clocks are far apart, that is what a step is), and the part
// stamped before the step is written first, so it keeps the old span.
import { asc, desc, gte, lte } from 'drizzle-orm'
import type { Logger } from '../../core/log.ts'
import { CLOCK_TOLERANCE_MS } from '../../sync/clock.ts'
import type { ClockSpan } from '../../sync/protocol.ts'
import type { EdgeDb } from '../store/database.ts'
import { clockSpans } from '../store/schema.ts'
import type { RobotClock } from './robot-clock.ts'

/** Half the hub's tolerance: a step the hub would correct always starts a span. */
const STEP_MS = CLOCK_TOLERANCE_MS / 2
const RESTAMP_WINDOW_MS = 5_000

export class ClockWatch {
  private current: ClockSpan | null
  /** The last step within this boot (new offset minus old), 0 when none, and when it was found (mono). */
  private stepMs = 0
  private stepAt = 0

  constructor(
    private readonly deps: {
      db: EdgeDb
      clock: RobotClock
      nextSeq: () => number
      log: Logger
      /** Writes what was stamped before the step (the test says which times those are), ahead of the new span. */
      beforeStep?: (stampedBefore: (ts: number) => boolean) => void
    },
  ) {
    const last = deps.db.select().from(clockSpans).orderBy(desc(clockSpans.firstSeq)).limit(1).get()
    this.current = last ? { boot_id: last.bootId, first_seq: last.firstSeq, offset_ms: last.offsetMs } : null
  }

  /** Starts a span when the boot changed or the wall clock stepped; returns true when it did. */
  check(): boolean {
    const { clock } = this.deps
    const offset = Math.round(clock.wall() - clock.mono())
    const cur = this.current
    if (cur && cur.boot_id === clock.bootId && Math.abs(offset - cur.offset_ms) <= STEP_MS) return false
    if (cur && cur.boot_id === clock.bootId) {
      const mono = clock.mono()
      const before = mono + cur.offset_ms
      const after = mono + offset
      this.deps.beforeStep?.((ts) => Math.abs(ts - before) < Math.abs(ts - after))
    }
    const span: ClockSpan = { boot_id: clock.bootId, first_seq: this.deps.nextSeq(), offset_ms: offset }
    this.deps.db
      .insert(clockSpans)
      .values({ firstSeq: span.first_seq, bootId: span.boot_id, offsetMs: span.offset_ms, at: clock.wall() })
      .onConflictDoUpdate({ target: clockSpans.firstSeq, set: { bootId: span.boot_id, offsetMs: span.offset_ms, at: clock.wall() } })
      .run()
    if (cur && cur.boot_id === clock.bootId) {
      this.deps.log.warn('the wall clock stepped', { by_ms: offset - cur.offset_ms, from_seq: span.first_seq })
    }
    this.stepMs = cur && cur.boot_id === clock.bootId ? offset - cur.offset_ms : 0
    this.stepAt = clock.mono()
    this.current = span
    return true
  }

  /**
   * A time stamped by the clock before the last step but recorded after it (a reading still in
   * flight when the step was found), told in the current clock so it belongs to the current span.
   */
  restamp(ts: number): number {
    if (!this.stepMs || !this.current) return ts
    const mono = this.deps.clock.mono()
    // Readings are recorded within a tick of being taken: later, nothing stamped before the step is left.
    if (mono - this.stepAt > RESTAMP_WINDOW_MS) return ts
    const now = mono + this.current.offset_ms
    return Math.abs(ts - (now - this.stepMs)) < Math.abs(ts - now) ? ts + this.stepMs : ts
  }

  /** The spans records with a sequence number in (after, to] were stamped in. */
  spans(after: number, to: number): ClockSpan[] {
    const db = this.deps.db
    const before = db
      .select()
      .from(clockSpans)
      .where(lte(clockSpans.firstSeq, after + 1))
      .orderBy(desc(clockSpans.firstSeq))
      .limit(1)
      .get()
    const within = db
      .select()
      .from(clockSpans)
      .where(gte(clockSpans.firstSeq, after + 2))
      .orderBy(asc(clockSpans.firstSeq))
      .all()
      .filter((r) => r.firstSeq <= to)
    return [...(before ? [before] : []), ...within].map((r) => ({ boot_id: r.bootId, first_seq: r.firstSeq, offset_ms: r.offsetMs }))
  }

  /** Drops spans no record before `seq` can need (kept: the one in force at `seq`). */
  prune(seq: number) {
    const keep = this.deps.db.select().from(clockSpans).where(lte(clockSpans.firstSeq, seq)).orderBy(desc(clockSpans.firstSeq)).limit(1).get()
    if (keep) this.deps.db.$client.query('DELETE FROM clock_spans WHERE first_seq < ?').run(keep.firstSeq)
  }
}
