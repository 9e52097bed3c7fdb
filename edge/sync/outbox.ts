// The robot's side of sync in its own database: what has not reached the hub yet, read in
// sequence order per lane, and the cursors that say how far the hub has acknowledged. A record
// that changes after it was sent takes a new sequence number when it changes, so it is read
// again past the cursor. Cursors move only on the hub's answer, together. Telemetry chunks and
// the cursors are the store's (edge/store/sample-store.ts): the newest chunks and cursor values
// are in its tick journal until the minute's fold writes them into the database.
import type { EdgeDb } from '../store/database.ts'
import type { SampleStore } from '../store/sample-store.ts'
import type { ClockWatch } from './clock-watch.ts'
import { SYNC_VERSION, type LaneMarks, type SyncRecord } from '../../sync/protocol.ts'

const CURSOR_KEY = { events: 'sync.cursor.events', telemetry: 'sync.cursor.telemetry' } as const
const DB_ID_KEY = 'sync.db_id'
const DROPPED_KEY = 'sync.dropped'

/** One table of the events lane: how to read its pending rows as sync records. */
interface EventTable {
  name: string
  select: string
  tsColumn: string
  toRecord(row: Record<string, unknown>): SyncRecord
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v)
const bool = (v: unknown) => v === 1 || v === true

const EVENT_TABLES: EventTable[] = [
  {
    name: 'events',
    select: 'seq, ts, kind, level, data',
    tsColumn: 'ts',
    toRecord: (r) => ({ kind: 'event', seq: r.seq as number, ts: r.ts as number, event: r.kind as string, level: r.level as string, data: json(r.data) }),
  },
  {
    name: 'alerts',
    select: '*',
    tsColumn: 'updated_at',
    toRecord: (r) => ({
      kind: 'alert',
      seq: r.seq as number,
      id: r.id as number,
      type: r.type as string,
      severity: r.severity as 'warning',
      source: r.source as string,
      value: r.value as number | null,
      threshold: r.threshold as number | null,
      title: r.title as string,
      message: r.message as string,
      created_at: r.created_at as number,
      updated_at: r.updated_at as number,
      acknowledged: bool(r.acknowledged),
      acknowledged_by: r.acknowledged_by as string | null,
      acknowledged_at: r.acknowledged_at as number | null,
      resolved: bool(r.resolved),
      resolved_at: r.resolved_at as number | null,
    }),
  },
  {
    name: 'jobs',
    select: '*',
    tsColumn: 'updated_at',
    toRecord: (r) => ({
      kind: 'job',
      seq: r.seq as number,
      id: r.id as number,
      task_name: r.task_name as string,
      status: r.status as string,
      items_done: r.items_done as number | null,
      items_total: r.items_total as number | null,
      percent: r.percent as number | null,
      reason: r.reason as string | null,
      action: r.action === null ? null : json(r.action),
      source: r.source as string,
      started_at: r.started_at as number,
      updated_at: r.updated_at as number,
      finished_at: r.finished_at as number | null,
    }),
  },
  {
    name: 'commands',
    select: '*',
    tsColumn: 'updated_at',
    toRecord: (r) => ({
      kind: 'command',
      seq: r.seq as number,
      id: r.id as string,
      ts: r.ts as number,
      username: r.username as string,
      origin: r.origin as string,
      type: r.type as string,
      body: json(r.body),
      state: r.state as string,
      reason: r.reason as string | null,
      updated_at: r.updated_at as number,
    }),
  },
  {
    name: 'reports',
    select: '*',
    tsColumn: 'created_at',
    toRecord: (r) => ({
      kind: 'report',
      seq: r.seq as number,
      id: r.id as number,
      report_type: r.report_type as string,
      from_ts: r.from_ts as number,
      to_ts: r.to_ts as number,
      created_at: r.created_at as number,
      created_by: r.created_by as string,
      figures: json(r.figures),
      narrative: r.narrative as string | null,
      narrative_error: r.narrative_error as string | null,
    }),
  },
]

export interface OutboxBatch {
  /** The batch's JSON body, ready to compress. */
  body: string
  records: number
  lanes: Partial<Record<'events' | 'telemetry', { after: number; to: number }>>
  /** Uncompressed bytes. */
  bytes: number
}

export interface Backlog {
  events: number
  telemetry: number
}

/** What the outbox needs of the store: its chunks and its meta values, wherever they are now. */
export type OutboxStore = Pick<SampleStore, 'chunksAfter' | 'chunkCount' | 'getMeta' | 'setMetaDurable' | 'peekSeq' | 'skipSeqPast'>

export class SyncOutbox {
  constructor(
    private readonly db: EdgeDb,
    private readonly clock: ClockWatch,
    private readonly robotId: string,
    private readonly store: OutboxStore,
  ) {}

  private meta(key: string): string | null {
    return this.store.getMeta(key)
  }

  private setMeta(key: string, value: string) {
    this.db.$client.query('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  /** This database's id: a new database (a reflashed card) is a new sequence to the hub. */
  dbId(): string {
    let id = this.meta(DB_ID_KEY)
    if (!id) {
      id = crypto.randomUUID()
      this.setMeta(DB_ID_KEY, id)
    }
    return id
  }

  cursors(): LaneMarks {
    return { events: Number(this.meta(CURSOR_KEY.events) ?? 0), telemetry: Number(this.meta(CURSOR_KEY.telemetry) ?? 0) }
  }

  /**
   * The hub has everything up to these marks: cursors move forward only. Marks past every number
   * this database gave out mean it was restored from a backup older than what the hub holds of
   * it: later records are numbered after the marks, or the hub would take them for ones it has.
   */
  acknowledge(ack: LaneMarks) {
    this.store.skipSeqPast(Math.max(ack.events, ack.telemetry))
    const cur = this.cursors()
    this.saveCursors({ events: Math.max(cur.events, ack.events), telemetry: Math.max(cur.telemetry, ack.telemetry) }, cur)
  }

  /** The hub has less than the cursors say (its database was restored): send again from its marks. */
  rewind(to: LaneMarks) {
    const cur = this.cursors()
    this.saveCursors({ events: Math.min(cur.events, to.events), telemetry: Math.min(cur.telemetry, to.telemetry) }, cur)
  }

  /** Both lanes in one journal record (a batch acknowledges both at once, every tick). */
  private saveCursors(next: LaneMarks, cur: LaneMarks) {
    if (next.events === cur.events && next.telemetry === cur.telemetry) return
    this.store.setMetaDurable({ [CURSOR_KEY.events]: String(next.events), [CURSOR_KEY.telemetry]: String(next.telemetry) })
  }

  /** Unsynced samples dropped per stream since this database began. */
  dropped(): Record<string, number> {
    const v = this.meta(DROPPED_KEY)
    return v ? JSON.parse(v) : {}
  }

  noteDropped(byStream: Record<string, number>) {
    const d = this.dropped()
    for (const [k, n] of Object.entries(byStream)) d[k] = (d[k] ?? 0) + n
    this.setMeta(DROPPED_KEY, JSON.stringify(d))
  }

  backlog(): Backlog {
    const c = this.db.$client
    const cur = this.cursors()
    let events = 0
    for (const t of EVENT_TABLES) events += (c.query(`SELECT count(*) n FROM ${t.name} WHERE seq > ?`).get(cur.events) as { n: number }).n
    const telemetry = this.store.chunkCount(cur.telemetry)
    return { events, telemetry }
  }

  /** When the oldest record the hub does not have (past `cur`) was stamped, or null when it has everything. */
  oldestPendingTs(cur: LaneMarks = this.cursors()): number | null {
    const c = this.db.$client
    let oldest = Infinity
    const [chunk] = this.store.chunksAfter(cur.telemetry, 1)
    if (chunk) oldest = chunk.t0
    for (const t of EVENT_TABLES) {
      const r = c.query(`SELECT ${t.tsColumn} ts FROM ${t.name} WHERE seq > ? ORDER BY seq LIMIT 1`).get(cur.events) as { ts: number } | null
      if (r) oldest = Math.min(oldest, r.ts)
    }
    return Number.isFinite(oldest) ? oldest : null
  }

  /**
   * The next batch: the events lane first, then telemetry with what room is left, within the
   * record and byte limits. A record too large for any batch goes as an event saying so, so the
   * lane never stops behind it. Null when there is nothing to send.
   */
  read(
    limits: { maxRecords: number; maxBytes: number },
    header: { boot_id: string; wall_ms: number; mono_ms: number; rtt_ms?: number; anchor_ms?: number },
  ): OutboxBatch | null {
    const c = this.db.$client
    const cur = this.cursors()
    const parts: string[] = []
    let bytes = 0
    const room = () => parts.length < limits.maxRecords && bytes < limits.maxBytes
    const add = (rec: SyncRecord): boolean => {
      let s = JSON.stringify(rec)
      if (s.length > limits.maxBytes - 4096) {
        s = JSON.stringify({
          kind: 'event',
          seq: rec.seq,
          ts: Date.now(),
          event: 'sync.oversized',
          level: 'warn',
          data: {
            kind: rec.kind,
            bytes: s.length,
            limit: limits.maxBytes,
            message: `a ${rec.kind} record of ${s.length} bytes is larger than a sync batch may be; it stays on the robot`,
          },
        })
      }
      if (parts.length > 0 && bytes + s.length + 1 > limits.maxBytes) return false
      parts.push(s)
      bytes += s.length + 1
      return true
    }
    const lanes: OutboxBatch['lanes'] = {}

    const pending: SyncRecord[] = []
    for (const t of EVENT_TABLES) {
      const rows = c.query(`SELECT ${t.select} FROM ${t.name} WHERE seq > ? ORDER BY seq LIMIT ?`).all(cur.events, limits.maxRecords) as Record<
        string,
        unknown
      >[]
      for (const r of rows) pending.push(t.toRecord(r))
    }
    pending.sort((a, b) => a.seq - b.seq)
    let eventsTo = cur.events
    for (const rec of pending) {
      if (!room() || !add(rec)) break
      eventsTo = rec.seq
    }
    if (eventsTo > cur.events) lanes.events = { after: cur.events, to: eventsTo }

    let telemetryTo = cur.telemetry
    if (room()) {
      const rows = this.store.chunksAfter(cur.telemetry, limits.maxRecords - parts.length)
      for (const r of rows) {
        if (!room() || !add({ kind: 'chunk', seq: r.seq, stream: r.stream, t0: r.t0, t1: r.t1, n: r.n, data: Buffer.from(r.data).toString('base64') })) break
        telemetryTo = r.seq
      }
    }
    if (telemetryTo > cur.telemetry) lanes.telemetry = { after: cur.telemetry, to: telemetryTo }
    if (parts.length === 0) return null

    const lo = Math.min(lanes.events?.after ?? Infinity, lanes.telemetry?.after ?? Infinity)
    const hi = Math.max(lanes.events?.to ?? 0, lanes.telemetry?.to ?? 0)
    const backlogNow = this.backlog()
    const head = {
      v: SYNC_VERSION,
      robot_id: this.robotId,
      db_id: this.dbId(),
      ...header,
      lanes,
      backlog: {
        events: Math.max(0, backlogNow.events - (lanes.events ? countIn(pending, lanes.events) : 0)),
        telemetry: Math.max(0, backlogNow.telemetry - (lanes.telemetry ? this.chunksIn(lanes.telemetry) : 0)),
      },
      oldest_pending_ts: this.oldestPendingTs({ events: lanes.events?.to ?? cur.events, telemetry: lanes.telemetry?.to ?? cur.telemetry }),
      dropped: this.dropped(),
      clock: this.clock.spans(lo, hi),
    }
    const prefix = JSON.stringify(head)
    const body = `${prefix.slice(0, -1)},"records":[${parts.join(',')}]}`
    return { body, records: parts.length, lanes, bytes: body.length }
  }

  private chunksIn(r: { after: number; to: number }): number {
    return this.store.chunkCount(r.after, r.to)
  }
}

function countIn(recs: readonly SyncRecord[], r: { after: number; to: number }): number {
  let n = 0
  for (const x of recs) if (x.seq > r.after && x.seq <= r.to) n++
  return n
}
