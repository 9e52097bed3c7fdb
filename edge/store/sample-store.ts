// The edge's local store of samples and events. Samples are buffered in memory for a tick;
// each tick appends them, one packed chunk per stream with the robot's next sequence number, to
// the tick journal (tick-journal.ts), where sync reads them as it reads the database. Once a
// minute has ended its ticks are folded into SQLite in one transaction, as one chunk per stream
// and minute (about half the bytes of sixty one-second chunks). The minute's chunk takes the
// number of its first tick when the hub has all its ticks (so it is not sent again), else the
// number of its last, so a hub that lacks part of the minute is sent the whole of it (writing a
// point twice stores it once). Events are committed at their tick. bench/store-wear.ts measures
// what each part writes.
import type { Statement } from 'bun:sqlite'
import type { Logger } from '../../core/log.ts'
import { STREAM_NAMES, type Sample, type StreamName } from '../../core/streams.ts'
import { decodeChunk, encodeChunk } from '../../core/chunk-codec.ts'
import type { EdgeDb } from './database.ts'
import { MINUTE_MS, minuteOf, RollupAccumulator, type RollupRow } from './rollup.ts'
import { decodeRecord, encodeRecord, journalPathFor, readJournal, TickJournal, type JournalChunk, type JournalRecord } from './tick-journal.ts'

export interface StoreOptions {
  quotaBytes: number
  retentionRawMs: number
  retentionRollupMs: number
  log: Logger
  /** Samples kept in memory while the disk refuses writes, before the oldest are dropped. */
  maxPendingSamples?: number
  /**
   * With a hub: the highest chunk sequence the hub has acknowledged. Retention then deletes only
   * chunks the hub has, and the quota drops those first; unsynced samples it must drop are
   * counted per stream (`unsyncedDropped`). Without a hub every chunk counts as kept elsewhere.
   */
  syncedUpTo?: () => number
  /** Told about each drop of samples the hub never received, per stream. */
  onUnsyncedDrop?: (byStream: Record<string, number>) => void
  /**
   * The tick journal `tick()` appends to: by default `<database>-ticks` beside a file database;
   * null (or a database in memory) makes every tick a SQLite transaction.
   */
  journalPath?: string | null
}

export interface StoredEvent {
  seq: number
  ts: number
  kind: string
  level: string
  data: unknown
}

/** A chunk as sync reads it, from the database or the journal. */
export interface StoredChunk {
  seq: number
  stream: StreamName
  t0: number
  t1: number
  n: number
  data: Uint8Array
}

export interface FlushResult {
  chunks: number
  samples: number
  events: number
  ms: number
}

export interface StoreStats {
  seq: number
  db_bytes: number
  quota_bytes: number
  pending_samples: number
  dropped_chunks: number
  dropped_samples: number
  dropped_unwritten_samples: number
  last_flush_ts: number | null
  last_flush_error: string | null
  /** Samples in the tick journal, not yet folded into the database. */
  journal_samples: number
  journal_bytes: number
  /** Bytes this process appended to the journal, and its folds into the database. */
  journal_written_bytes: number
  folds: number
}

const SEQ_TABLES = ['chunks', 'events', 'commands', 'alerts', 'jobs', 'reports'] as const

interface PendingEvent {
  ts: number
  kind: string
  level: string
  data: unknown
}
type Journaled = StoredChunk

/** Beyond this much in the journal everything is folded before the minute ends (rates far above nominal). */
const FOLD_BYTES = 512 * 1024
export const JOURNAL_TAG_KEY = 'journal.tag'
export const JOURNAL_FOLDED_KEY = 'journal.folded'
/** How long after a failed fold the tick tries again. */
const FOLD_RETRY_MS = 10_000

export class SampleStore {
  private pending = new Map<StreamName, Sample[]>()
  private pendingCount = 0
  private pendingEvents: PendingEvent[] = []
  private nextSeq = 1
  private rollups = new RollupAccumulator()
  /** Minutes whose chunk ranges are not yet in chunk_minutes. */
  private openMinutes = new Map<string, { stream: StreamName; minute: number; first: number; last: number }>()
  private counters = { dropped_chunks: 0, dropped_samples: 0, dropped_unwritten_samples: 0 }
  private lastFlushTs: number | null = null
  private lastFlushError: string | null = null
  private readonly sql: Record<string, Statement>
  /** Ticks in the journal, not yet in the database, in sequence order. */
  private journaled: Journaled[] = []
  private journaledSamples = 0
  private journaledBytes = 0
  /** Meta values in the journal, written into the meta table by the next fold. */
  private metaPending = new Map<string, string>()
  private journal: TickJournal | null = null
  /** The journal file does not hold what memory says (a fold committed its generation, an append failed): rewrite it first. */
  private journalStale = false
  private folds = 0
  private foldRetryAt = -Infinity

  constructor(
    private readonly db: EdgeDb,
    private readonly opts: StoreOptions,
  ) {
    const c = db.$client
    this.sql = {
      insertChunk: c.prepare('INSERT INTO chunks (seq, stream, t0, t1, n, data) VALUES (?, ?, ?, ?, ?, ?)'),
      insertEvent: c.prepare('INSERT INTO events (seq, ts, kind, level, data) VALUES (?, ?, ?, ?, ?)'),
      upsertMinute: c.prepare(`INSERT INTO chunk_minutes (stream, minute, first_seq, last_seq) VALUES (?, ?, ?, ?)
        ON CONFLICT (stream, minute) DO UPDATE SET first_seq = min(first_seq, excluded.first_seq), last_seq = max(last_seq, excluded.last_seq)`),
      upsertRollup: c.prepare(`INSERT INTO rollups (stream, minute, source, field, n, min, max, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (stream, minute, source, field) DO UPDATE SET n = n + excluded.n, min = min(min, excluded.min),
        max = max(max, excluded.max), sum = sum + excluded.sum`),
      setMeta: c.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      getMeta: c.prepare('SELECT value FROM meta WHERE key = ?'),
      chunksAfter: c.prepare('SELECT seq, stream, t0, t1, n, data FROM chunks WHERE seq > ? ORDER BY seq LIMIT ?'),
      countChunks: c.prepare('SELECT count(*) n FROM chunks WHERE seq > ? AND seq <= ?'),
    }
    this.recover()
  }

  private meta(key: string): string | null {
    const row = this.sql.getMeta.get(key) as { value: string } | null
    return row ? row.value : null
  }

  /** A value of the meta table, as the next fold will leave it. */
  getMeta(key: string): string | null {
    return this.metaPending.get(key) ?? this.meta(key)
  }

  /**
   * Sets a meta value durably at the cost of a journal record (a value that changes every tick,
   * like sync's cursors); the next fold writes it into the table. Without a journal, or when the
   * journal refuses it, the table is written at once.
   */
  setMetaDurable(values: Record<string, string>): void {
    const entries = Object.entries(values)
    if (this.journal) {
      try {
        this.restartJournal()
        this.journal.append(encodeRecord({ kind: 'meta', entries }))
        for (const [k, v] of entries) this.metaPending.set(k, v)
        return
      } catch (err) {
        this.journalStale = true
        this.journal.close()
        this.opts.log.warn('tick journal refused meta values; written to the database', { keys: entries.map(([k]) => k), error: err as Error })
      }
    }
    this.db.$client.transaction(() => {
      for (const [k, v] of entries) this.sql.setMeta.run(k, v)
    })()
    for (const [k] of entries) this.metaPending.delete(k)
  }

  /** Chunks past sequence `after`, oldest first, from the database and the journal. */
  chunksAfter(after: number, limit: number): StoredChunk[] {
    const fromDb = this.sql.chunksAfter.all(after, limit) as StoredChunk[]
    const fromJournal = this.journaled.filter((j) => j.seq > after)
    if (!fromJournal.length) return fromDb
    return [...fromDb, ...fromJournal].sort((a, b) => a.seq - b.seq).slice(0, limit)
  }

  /** How many chunks have a sequence number in (after, to]. */
  chunkCount(after: number, to = Number.MAX_SAFE_INTEGER): number {
    let n = (this.sql.countChunks.get(after, to) as { n: number }).n
    for (const j of this.journaled) if (j.seq > after && j.seq <= to) n++
    return n
  }

  /**
   * Rebuilds what lived only in memory at a crash: the sequence, the open minutes' index and
   * rollups, and what the journal holds (folded into the database at once).
   */
  private recover() {
    const c = this.db.$client
    const maxOf = (q: string) => (c.query(q).get() as { m: number | null }).m ?? 0
    const seqMeta = Number(this.meta('seq') ?? 0)
    // Every table whose records reach the hub draws from the one sequence.
    this.nextSeq = Math.max(seqMeta, ...SEQ_TABLES.map((t) => maxOf(`SELECT max(seq) m FROM ${t}`))) + 1
    for (const k of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[k] = Number(this.meta(k) ?? 0)
    // Chunks of minutes not closed yet (a minute's rollups are written when it closes, with its index).
    const indexed = Number(this.meta('indexed_seq') ?? 0)
    const rows = c
      .query(`SELECT seq, stream, t0, data FROM chunks c WHERE seq > ? AND NOT EXISTS
      (SELECT 1 FROM chunk_minutes m WHERE m.stream = c.stream AND m.minute = c.t0 - c.t0 % ${MINUTE_MS}) ORDER BY seq`)
      .all(indexed) as { seq: number; stream: StreamName; t0: number; data: Uint8Array }[]
    for (const r of rows) {
      this.noteMinute(r.stream, r.t0, r.seq)
      for (const s of decodeChunk(r.stream, r.data)) this.rollups.add(s)
    }
    const ticks = this.openJournal()
    if (rows.length || ticks) this.opts.log.info('rebuilt minute index and rollups after an unclean stop', { chunks: rows.length, journal_ticks: ticks })
    if (this.journaled.length || this.metaPending.size) {
      try {
        this.fold(-Infinity)
      } catch (err) {
        this.opts.log.error('the tick journal could not be folded into the database; kept, tried again at the next tick', { error: err as Error })
      }
    }
  }

  /** Opens the tick journal and takes in what an unclean stop left there; returns how many ticks. */
  private openJournal(): number {
    const file = this.db.$client.filename
    const path = this.opts.journalPath === undefined ? (file && file !== ':memory:' ? journalPathFor(file) : null) : this.opts.journalPath
    if (!path) return 0
    let tagHex = this.meta(JOURNAL_TAG_KEY)
    if (!tagHex) {
      tagHex = Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')
      this.sql.setMeta.run(JOURNAL_TAG_KEY, tagHex)
    }
    const tag = new Uint8Array(Buffer.from(tagHex, 'hex'))
    const folded = Number(this.meta(JOURNAL_FOLDED_KEY) ?? 0)
    const found = readJournal(path, tag)
    if (found.refused) this.opts.log.warn('tick journal ignored', { path, reason: found.refused })
    if (found.tornBytes) this.opts.log.warn('tick journal: a torn last record was dropped (the tick a crash may lose)', { bytes: found.tornBytes })
    let ticks = 0
    if (found.gen !== null && found.gen > folded) {
      for (const payload of found.records) {
        let rec: JournalRecord
        try {
          rec = decodeRecord(payload)
        } catch (err) {
          this.opts.log.error('tick journal: an unreadable record was skipped', { error: err as Error })
          continue
        }
        if (rec.kind === 'meta') for (const [k, v] of rec.entries) this.metaPending.set(k, v)
        else {
          for (const ch of rec.chunks) {
            this.takeJournaled(ch, decodeChunk(ch.stream, ch.data))
            this.nextSeq = Math.max(this.nextSeq, ch.seq + 1)
          }
          ticks++
        }
      }
      this.journaled.sort((a, b) => a.seq - b.seq)
    }
    this.journal = new TickJournal(path, tag)
    this.journal.restart(Math.max(found.gen ?? 0, folded) + 1, this.journalRecords())
    return ticks
  }

  /** What the journal must hold now: the ticks not folded, and the meta values not yet in the table. */
  private journalRecords(): Uint8Array[] {
    const out: Uint8Array[] = []
    if (this.journaled.length) out.push(encodeRecord({ kind: 'tick', chunks: this.journaled }))
    if (this.metaPending.size) out.push(encodeRecord({ kind: 'meta', entries: [...this.metaPending] }))
    return out
  }

  /** A chunk now in the journal: kept for queries, sync and the next fold, its samples in the open rollups. */
  private takeJournaled(ch: JournalChunk, samples: readonly Sample[]) {
    let t0 = Infinity
    let t1 = -Infinity
    for (const s of samples) {
      if (s.ts < t0) t0 = s.ts
      if (s.ts > t1) t1 = s.ts
      this.rollups.add(s)
    }
    this.journaled.push({ seq: ch.seq, stream: ch.stream, data: ch.data, t0, t1, n: samples.length })
    this.journaledSamples += samples.length
    this.journaledBytes += ch.data.length
  }

  private noteMinute(stream: StreamName, t0: number, seq: number) {
    const minute = minuteOf(t0)
    const key = `${stream}|${minute}`
    const m = this.openMinutes.get(key)
    if (m) {
      m.first = Math.min(m.first, seq)
      m.last = Math.max(m.last, seq)
    } else this.openMinutes.set(key, { stream, minute, first: seq, last: seq })
  }

  add(sample: Sample) {
    let list = this.pending.get(sample.stream)
    if (!list) {
      list = []
      this.pending.set(sample.stream, list)
    }
    list.push(sample)
    this.pendingCount++
    const max = this.opts.maxPendingSamples ?? 500_000
    if (this.pendingCount > max) this.dropOldestPending()
  }

  /** Only while the disk refuses writes: memory must stay bounded, and the loss is counted. */
  private dropOldestPending() {
    let longest: Sample[] | undefined
    for (const l of this.pending.values()) if (!longest || l.length > longest.length) longest = l
    if (!longest || longest.length === 0) return
    const n = Math.ceil(longest.length / 10)
    longest.splice(0, n)
    this.pendingCount -= n
    this.counters.dropped_unwritten_samples += n
  }

  addEvent(kind: string, level: string, data: unknown, ts: number) {
    this.pendingEvents.push({ kind, level, data, ts })
  }

  /** A sequence number for a record written outside the tick (the command audit log). */
  takeSeq(): number {
    return this.nextSeq++
  }

  /** The sequence number the next record will take. */
  peekSeq(): number {
    return this.nextSeq
  }

  /**
   * Numbers every later record after `n`, durably: the hub holds this database up to `n`, so it
   * was restored from an older backup, and numbers it gave out after the backup are taken.
   */
  skipSeqPast(n: number): boolean {
    if (this.nextSeq > n) return false
    this.nextSeq = n + 1
    this.sql.setMeta.run('seq', String(n))
    return true
  }

  /**
   * The edge's tick: what is buffered is appended to the journal with its sequence numbers (or,
   * without a journal, written to the database), events are committed, and the minutes that
   * ended are folded into the database. With `only`, what was stamped at the times it passes
   * (a clock step splits a tick). On failure nothing is lost from memory.
   */
  tick(nowMs: number, only?: (ts: number) => boolean): FlushResult {
    if (!this.journal) return this.flush(nowMs, only)
    const r = this.journalPending(nowMs, only)
    const big = this.journaledBytes > FOLD_BYTES
    if ((big || this.hasClosedMinutes(nowMs)) && nowMs >= this.foldRetryAt) {
      try {
        this.fold(nowMs, { closedOnly: !big })
      } catch (err) {
        // The ticks are safe in the journal; a database refusing writes is not asked every tick.
        this.foldRetryAt = nowMs + FOLD_RETRY_MS
        throw err
      }
    }
    return r
  }

  /** Appends what is buffered to the journal, numbered, and commits the events. */
  private journalPending(nowMs: number, only?: (ts: number) => boolean): FlushResult {
    const journal = this.journal!
    const started = performance.now()
    const { batches, events, samples } = this.takePending(only)
    const seqBefore = this.nextSeq
    const encoded = batches.map(([stream, list]) => ({ seq: this.nextSeq++, stream, list, data: encodeChunk(stream, list).data }))
    if (encoded.length) {
      try {
        this.restartJournal()
        journal.append(encodeRecord({ kind: 'tick', chunks: encoded }))
      } catch (err) {
        this.nextSeq = seqBefore
        this.putBack(batches, samples, events)
        this.lastFlushError = `tick journal: ${(err as Error).message}`
        // What the file holds is unknown now: the next append writes the generation afresh.
        this.journalStale = true
        journal.close()
        throw err
      }
      for (const e of encoded) this.takeJournaled(e, e.list)
      this.capJournaled()
    }
    if (events.length) {
      const before = this.nextSeq
      try {
        this.db.$client.transaction(() => {
          for (const e of events) this.sql.insertEvent.run(this.nextSeq++, e.ts, e.kind, e.level, JSON.stringify(e.data))
        })()
      } catch (err) {
        this.nextSeq = before
        this.putBack([], 0, events)
        this.lastFlushError = (err as Error).message
        throw err
      }
    }
    this.lastFlushTs = nowMs
    this.lastFlushError = null
    return { chunks: encoded.length, samples, events: events.length, ms: performance.now() - started }
  }

  /**
   * While the database refuses the folds, the journal grows: past `maxPendingSamples` its oldest
   * ticks are dropped (and counted), as buffered samples are, so memory stays bounded.
   */
  private capJournaled() {
    const max = this.opts.maxPendingSamples ?? 500_000
    while (this.journaledSamples + this.pendingCount > max && this.journaled.length > 1) {
      const d = this.journaled.shift()!
      this.journaledSamples -= d.n
      this.journaledBytes -= d.data.length
      this.counters.dropped_unwritten_samples += d.n
      this.journalStale = true
    }
  }

  /**
   * Writes everything buffered and journaled into the database now, in one transaction, and
   * closes the minutes that ended; with `only`, of what is buffered only what was stamped at the
   * times it passes (the rest stays). On failure nothing is lost.
   */
  flush(nowMs: number, only?: (ts: number) => boolean): FlushResult {
    if (
      this.pendingCount === 0 &&
      this.pendingEvents.length === 0 &&
      this.journaled.length === 0 &&
      this.metaPending.size === 0 &&
      !this.hasClosedMinutes(nowMs)
    ) {
      return { chunks: 0, samples: 0, events: 0, ms: 0 }
    }
    if (!this.journal) return this.fold(nowMs, { only })
    // Numbered in the journal first, so every chunk of a minute takes a number its ticks had.
    const started = performance.now()
    const r = this.journalPending(nowMs, only)
    const f = this.fold(nowMs)
    return { chunks: f.chunks, samples: r.samples, events: r.events, ms: performance.now() - started }
  }

  /**
   * Into the database, in one transaction: the journal's ticks (those of minutes that ended, or
   * all), as one chunk per stream and minute; without a journal, what is buffered.
   */
  private fold(nowMs: number, o: { only?: (ts: number) => boolean; closedOnly?: boolean } = {}): FlushResult {
    const started = performance.now()
    const before = minuteOf(nowMs - 2_000)
    // With a journal what is buffered goes there first (numbered); without one it is written here.
    const { batches, events, samples } = this.journal ? { batches: [], events: [], samples: 0 } : this.takePending(o.only)
    const folding = o.closedOnly ? this.journaled.filter((j) => j.t0 < before) : this.journaled
    const staying = o.closedOnly ? this.journaled.filter((j) => j.t0 >= before) : []
    // A journaled tick goes whole to the minute it starts in; samples not journaled yet make the
    // minute's chunk take a new number.
    const synced = this.opts.syncedUpTo?.() ?? Infinity
    const groups = new Map<string, { stream: StreamName; minute: number; chunks: Journaled[]; samples: Sample[] }>()
    const groupOf = (stream: StreamName, ts: number) => {
      const key = `${stream}|${minuteOf(ts)}`
      let g = groups.get(key)
      if (!g) groups.set(key, (g = { stream, minute: minuteOf(ts), chunks: [], samples: [] }))
      return g
    }
    for (const j of folding) groupOf(j.stream, j.t0).chunks.push(j)
    for (const [stream, list] of batches) for (const s of list) groupOf(stream, s.ts).samples.push(s)
    const seqOf = (g: { chunks: Journaled[]; samples: Sample[] }) => {
      if (g.samples.length) return Infinity
      const seqs = g.chunks.map((c) => c.seq)
      const hi = Math.max(...seqs)
      return hi <= synced ? Math.min(...seqs) : hi
    }
    const seqBefore = this.nextSeq
    // One group's samples at a time: a minute of them all at once would take tens of MB.
    const encoded = [...groups.values()]
      .map((g) => ({ ...g, seq: seqOf(g) }))
      .sort((a, b) => a.seq - b.seq || a.minute - b.minute)
      .map((g) => {
        const list = g.samples.length ? [...g.samples] : []
        for (const c of g.chunks) for (const s of decodeChunk(c.stream, c.data)) list.push(s)
        return { stream: g.stream, seq: Number.isFinite(g.seq) ? g.seq : this.nextSeq++, enc: encodeChunk(g.stream, list) }
      })
    const minutesBefore = new Map([...this.openMinutes].map(([k, v]) => [k, { ...v }]))
    // Accumulate on a copy: if the transaction fails, the retry must not count samples twice.
    const rollups = this.rollups.clone()
    for (const [, list] of batches) for (const s of list) rollups.add(s)
    const meta = [...this.metaPending]
    try {
      this.db.$client.transaction(() => {
        for (const { stream, seq, enc } of encoded) {
          this.sql.insertChunk.run(seq, stream, enc.t0, enc.t1, enc.n, enc.data)
          this.noteMinute(stream, enc.t0, seq)
        }
        for (const e of events) this.sql.insertEvent.run(this.nextSeq++, e.ts, e.kind, e.level, JSON.stringify(e.data))
        // Close minutes one tick after they end so a sample stamped late still lands in place.
        const closing = [...this.openMinutes.entries()].filter(([, m]) => m.minute < before)
        if (closing.length) {
          for (const [, m] of closing) this.sql.upsertMinute.run(m.stream, m.minute, m.first, m.last)
          for (const r of rollups.takeClosed(before)) this.sql.upsertRollup.run(r.stream, r.minute, r.source, r.field, r.n, r.min, r.max, r.sum)
          // A start rebuilds the open minutes from the chunks past this number (and the journal).
          let indexed = this.nextSeq - 1
          for (const m of this.openMinutes.values()) if (m.minute >= before) indexed = Math.min(indexed, m.first - 1)
          for (const j of staying) indexed = Math.min(indexed, j.seq - 1)
          this.sql.setMeta.run('indexed_seq', String(indexed))
          this.sql.setMeta.run('seq', String(this.nextSeq - 1))
          for (const [k] of closing) this.openMinutes.delete(k)
        }
        for (const [k, v] of meta) this.sql.setMeta.run(k, v)
        if (this.journal) this.sql.setMeta.run(JOURNAL_FOLDED_KEY, String(this.journal.generation))
      })()
      this.rollups = rollups
    } catch (err) {
      // Put everything back: the next tick tries again (the disk may have room by then).
      this.nextSeq = seqBefore
      this.openMinutes = minutesBefore
      this.putBack(batches, samples, events)
      this.lastFlushError = (err as Error).message
      throw err
    }
    this.folds++
    this.journaled = staying
    this.journaledSamples = staying.reduce((a, j) => a + j.n, 0)
    this.journaledBytes = staying.reduce((a, j) => a + j.data.length, 0)
    for (const [k, v] of meta) if (this.metaPending.get(k) === v) this.metaPending.delete(k)
    // The database now says this generation is folded: the next append must start another.
    if (this.journal) {
      this.journalStale = true
      try {
        this.restartJournal()
      } catch (err) {
        this.opts.log.warn('tick journal not restarted after a fold; tried again at the next tick', { error: err as Error })
      }
    }
    this.lastFlushTs = nowMs
    this.lastFlushError = null
    return { chunks: encoded.length, samples, events: events.length, ms: performance.now() - started }
  }

  /** The journal starts its next generation, holding what memory says is not in the database. */
  private restartJournal() {
    if (!this.journal || !this.journalStale) return
    this.journal.restart(this.journal.generation + 1, this.journalRecords())
    this.journalStale = false
  }

  private putBack(batches: [StreamName, Sample[]][], samples: number, events: PendingEvent[]) {
    for (const [stream, list] of batches) {
      const cur = this.pending.get(stream) ?? []
      this.pending.set(stream, [...list, ...cur])
    }
    this.pendingCount += samples
    this.pendingEvents = [...events, ...this.pendingEvents]
  }

  /**
   * What this flush writes: everything buffered, or (`only`) the samples and events whose time
   * passes the test, the rest staying for the next flush (a clock step splits a tick in two).
   */
  private takePending(only?: (ts: number) => boolean) {
    if (!only) {
      const out = { batches: [...this.pending.entries()].filter(([, l]) => l.length > 0), events: this.pendingEvents, samples: this.pendingCount }
      this.pending = new Map()
      this.pendingEvents = []
      this.pendingCount = 0
      return out
    }
    const batches: [StreamName, Sample[]][] = []
    let samples = 0
    for (const [stream, list] of this.pending) {
      const take = list.filter((s) => only(s.ts))
      if (!take.length) continue
      batches.push([stream, take])
      this.pending.set(
        stream,
        list.filter((s) => !only(s.ts)),
      )
      samples += take.length
    }
    this.pendingCount -= samples
    const events = this.pendingEvents.filter((e) => only(e.ts))
    this.pendingEvents = this.pendingEvents.filter((e) => !only(e.ts))
    return { batches, events, samples }
  }

  private hasClosedMinutes(nowMs: number): boolean {
    const before = minuteOf(nowMs - 2_000)
    for (const m of this.openMinutes.values()) if (m.minute < before) return true
    for (const j of this.journaled) if (j.t0 < before) return true
    return false
  }

  /** Sequence range holding a stream's chunks that may overlap [from, to]. */
  private seqRange(stream: StreamName, from: number, to: number): [number, number] | null {
    const row = this.db.$client
      .query('SELECT min(first_seq) lo, max(last_seq) hi FROM chunk_minutes WHERE stream = ? AND minute BETWEEN ? AND ?')
      .get(stream, minuteOf(from) - MINUTE_MS, to) as { lo: number | null; hi: number | null }
    let lo = row.lo ?? Infinity
    let hi = row.hi ?? -Infinity
    for (const m of this.openMinutes.values()) {
      if (m.stream === stream && m.minute >= minuteOf(from) - MINUTE_MS && m.minute <= to) {
        lo = Math.min(lo, m.first)
        hi = Math.max(hi, m.last)
      }
    }
    return lo <= hi ? [lo, hi] : null
  }

  /** Raw samples in [from, to], oldest first, including those not yet written. */
  querySamples(stream: StreamName, from: number, to: number, opts: { source?: string; limit?: number } = {}): { samples: Sample[]; truncated: boolean } {
    const limit = opts.limit ?? 200_000
    const out: Sample[] = []
    const keep = (s: Sample) => s.ts >= from && s.ts <= to && (opts.source === undefined || s.source === opts.source)
    const range = this.seqRange(stream, from, to)
    if (range) {
      const rows = this.db.$client
        .query('SELECT data FROM chunks WHERE seq BETWEEN ? AND ? AND stream = ? AND t1 >= ? AND t0 <= ? ORDER BY seq')
        .all(range[0], range[1], stream, from, to) as { data: Uint8Array }[]
      for (const r of rows) for (const s of decodeChunk(stream, r.data)) if (keep(s)) out.push(s)
    }
    for (const j of this.journaled) {
      if (j.stream === stream && j.t1 >= from && j.t0 <= to) for (const s of decodeChunk(stream, j.data)) if (keep(s)) out.push(s)
    }
    for (const s of this.pending.get(stream) ?? []) if (keep(s)) out.push(s)
    out.sort((a, b) => a.ts - b.ts)
    const truncated = out.length > limit
    return { samples: truncated ? out.slice(out.length - limit) : out, truncated }
  }

  /** Rollups in buckets of `bucketMs` (a whole number of minutes), oldest first. */
  queryRollups(stream: StreamName, from: number, to: number, bucketMs: number, source?: string): RollupRow[] {
    const bucket = Math.max(MINUTE_MS, Math.round(bucketMs / MINUTE_MS) * MINUTE_MS)
    const lo = minuteOf(from)
    const rows = this.db.$client
      .query(
        `SELECT stream, (minute / ?) * ? AS minute, source, field, sum(n) n, min(min) min, max(max) max, sum(sum) sum
       FROM rollups WHERE stream = ? AND minute BETWEEN ? AND ? ${source !== undefined ? 'AND source = ?' : ''}
       GROUP BY 2, source, field ORDER BY 2`,
      )
      .all(...([bucket, bucket, stream, lo, to, ...(source !== undefined ? [source] : [])] as [number, number, string, number, number])) as RollupRow[]
    const merged = new Map<string, RollupRow>()
    for (const r of rows) merged.set(`${r.minute}|${r.source}|${r.field}`, r)
    const open = this.rollups.open(stream, lo, to)
    // Samples of the current tick are not yet in the accumulator: add them on a scratch copy.
    const scratch = new RollupAccumulator()
    scratch.restore(open)
    for (const s of this.pending.get(stream) ?? []) if (s.ts >= from && s.ts <= to) scratch.add(s)
    for (const r of scratch.open(stream, lo, to)) {
      if (source !== undefined && r.source !== source) continue
      const minute = Math.floor(r.minute / bucket) * bucket
      const key = `${minute}|${r.source}|${r.field}`
      const cur = merged.get(key)
      if (!cur) merged.set(key, { ...r, minute })
      else merged.set(key, { ...cur, n: cur.n + r.n, sum: cur.sum + r.sum, min: Math.min(cur.min, r.min), max: Math.max(cur.max, r.max) })
    }
    return [...merged.values()].sort((a, b) => a.minute - b.minute)
  }

  queryEvents(opts: { kind?: string; from?: number; to?: number; limit?: number } = {}): StoredEvent[] {
    const where: string[] = []
    const args: (string | number)[] = []
    if (opts.kind) {
      where.push('kind = ?')
      args.push(opts.kind)
    }
    if (opts.from !== undefined) {
      where.push('ts >= ?')
      args.push(opts.from)
    }
    if (opts.to !== undefined) {
      where.push('ts <= ?')
      args.push(opts.to)
    }
    args.push(Math.min(opts.limit ?? 100, 10_000))
    const rows = this.db.$client
      .query(`SELECT seq, ts, kind, level, data FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...(args as [string])) as { seq: number; ts: number; kind: string; level: string; data: string }[]
    const fromDb = rows.map((r) => ({ ...r, data: JSON.parse(r.data) }))
    const pending = this.pendingEvents
      .filter((e) => (!opts.kind || e.kind === opts.kind) && (opts.from === undefined || e.ts >= opts.from) && (opts.to === undefined || e.ts <= opts.to))
      .map((e) => ({ seq: 0, ...e }))
    return [...pending.reverse(), ...fromDb]
  }

  usedBytes(): number {
    const c = this.db.$client
    const pages = (c.query('PRAGMA page_count').get() as { page_count: number }).page_count
    const free = (c.query('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count
    const size = (c.query('PRAGMA page_size').get() as { page_size: number }).page_size
    return (pages - free) * size
  }

  /**
   * Retention, then the quota: oldest raw chunks go first, rollups next, events last;
   * every drop is counted. Runs outside the tick, in small transactions.
   */
  maintain(nowMs: number): { retained: number; droppedForQuota: number } {
    const c = this.db.$client
    let retained = 0
    const synced = this.opts.syncedUpTo?.() ?? Infinity
    const rawCutoff = nowMs - this.opts.retentionRawMs
    const old = c.query('SELECT max(last_seq) hi FROM chunk_minutes WHERE minute < ?').get(minuteOf(rawCutoff) - MINUTE_MS) as { hi: number | null }
    // What the hub does not have yet outlives its retention; only the quota may drop it.
    const hi = old.hi === null ? null : Math.min(old.hi, synced)
    if (hi !== null && hi > 0) {
      c.transaction(() => {
        retained = c.query('DELETE FROM chunks WHERE seq <= ?').run(hi).changes
        c.query('DELETE FROM chunk_minutes WHERE last_seq <= ?').run(hi)
      })()
    }
    const rollCutoff = minuteOf(nowMs - this.opts.retentionRollupMs)
    for (const s of STREAM_NAMES) c.query('DELETE FROM rollups WHERE stream = ? AND minute < ?').run(s, rollCutoff)

    let droppedForQuota = 0
    const unsynced: Record<string, number> = {}
    for (let guard = 0; guard < 10_000 && this.usedBytes() > this.opts.quotaBytes; guard++) {
      // Small steps (a twentieth of what is there) so no more than needed is dropped; chunks
      // the hub already has go before those it has not.
      const count = (c.query('SELECT count(*) c FROM chunks').get() as { c: number }).c
      const step = Math.max(1, Math.min(500, Math.ceil(count / 20)))
      let batch = c
        .query('SELECT seq, n, stream FROM chunks WHERE seq <= ? ORDER BY seq LIMIT ?')
        .all(Number.isFinite(synced) ? synced : Number.MAX_SAFE_INTEGER, step) as { seq: number; n: number; stream: string }[]
      const ofSynced = batch.length > 0
      if (!ofSynced) batch = c.query('SELECT seq, n, stream FROM chunks ORDER BY seq LIMIT ?').all(step) as { seq: number; n: number; stream: string }[]
      if (batch.length) {
        const hi = batch[batch.length - 1].seq
        const samples = batch.reduce((a, r) => a + r.n, 0)
        c.transaction(() => {
          c.query('DELETE FROM chunks WHERE seq <= ?').run(hi)
          c.query('DELETE FROM chunk_minutes WHERE last_seq <= ?').run(hi)
          this.counters.dropped_chunks += batch.length
          this.counters.dropped_samples += samples
          this.sql.setMeta.run('dropped_chunks', String(this.counters.dropped_chunks))
          this.sql.setMeta.run('dropped_samples', String(this.counters.dropped_samples))
        })()
        if (!ofSynced) for (const r of batch) unsynced[r.stream] = (unsynced[r.stream] ?? 0) + r.n
        droppedForQuota += batch.length
        continue
      }
      // Whole minutes, oldest first, about 5000 rows at a time (rollups have no rowid to count by).
      const r = c
        .query(
          'DELETE FROM rollups WHERE minute <= coalesce((SELECT minute FROM rollups ORDER BY minute LIMIT 1 OFFSET 4999), (SELECT max(minute) FROM rollups))',
        )
        .run()
      if (r.changes > 0) continue
      const e = c.query('DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT 1000)').run()
      if (e.changes === 0) break
    }
    if (droppedForQuota) {
      this.opts.log.warn('disk quota reached: dropped the oldest raw chunks', {
        dropped_chunks: droppedForQuota,
        total_dropped_chunks: this.counters.dropped_chunks,
        quota_bytes: this.opts.quotaBytes,
        ...(Object.keys(unsynced).length ? { unsynced_samples: unsynced } : {}),
      })
    }
    if (Object.keys(unsynced).length) this.opts.onUnsyncedDrop?.(unsynced)
    this.sql.setMeta.run('dropped_unwritten_samples', String(this.counters.dropped_unwritten_samples))
    return { retained, droppedForQuota }
  }

  stats(): StoreStats {
    return {
      seq: this.nextSeq - 1,
      db_bytes: this.usedBytes(),
      quota_bytes: this.opts.quotaBytes,
      pending_samples: this.pendingCount,
      ...this.counters,
      last_flush_ts: this.lastFlushTs,
      last_flush_error: this.lastFlushError,
      journal_samples: this.journaledSamples,
      journal_bytes: this.journal?.size ?? 0,
      journal_written_bytes: this.journal?.written ?? 0,
      folds: this.folds,
    }
  }

  /** Closes the journal's file (after the last flush). */
  close() {
    this.journal?.close()
  }

  /** The health check's probe: the write lock can be taken and the last tick committed. */
  writable(): { ok: boolean; reason?: string } {
    if (this.lastFlushError) return { ok: false, reason: `last tick failed: ${this.lastFlushError}` }
    try {
      this.db.$client.exec('BEGIN IMMEDIATE')
      this.db.$client.exec('ROLLBACK')
      return { ok: true }
    } catch (err) {
      return { ok: false, reason: (err as Error).message }
    }
  }
}
