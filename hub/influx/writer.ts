// Buffers the fleet's samples and writes them to InfluxDB in gzip-compressed batches through the
// v1 `/write` endpoint (which InfluxDB 1.x serves, and 2.x serves for a DBRP-mapped database).
//
// Delivery rules:
//   - One request at a time, oldest lines first, so a robot's history lands in order and a slow
//     InfluxDB sees one writer, not a pile-up of concurrent requests.
//   - 5xx, 429 and network errors are retried with exponential back-off and jitter, forever (an
//     InfluxDB upgrade can take minutes). A retry cannot duplicate anything: InfluxDB identifies a
//     point by measurement, tag set and timestamp, so writing it again stores the same point.
//   - Any other 4xx is not retried: the data (or the configuration) is wrong and sending it again
//     cannot help. InfluxDB's message is logged and the batch dropped and counted (for a 1.x
//     "partial write", only the lines it refused: see rejectedLines).
//   - Memory is bounded: past `maxBufferedLines`, the oldest lines are dropped and counted, so a
//     hub whose InfluxDB is down for a day keeps the most recent history and stays up.
//
// The queue is the single source of truth: a batch is the queue's head, re-read on every
// attempt, and leaves the queue only when InfluxDB has answered for it. Lines dropped for room
// while their batch was in flight are recounted as written if that request then succeeds.

import type { Logger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { authorize, endpoint, influxErrorText, type InfluxAuth } from './auth.ts'
import { encodeSamples } from './line-protocol.ts'

export interface InfluxWriterOptions extends InfluxAuth {
  /** InfluxDB's base URL, e.g. `http://127.0.0.1:8086`. */
  url: string
  db: string
  log: Logger
  /** Lines per request (InfluxDB's own advice is 5,000). */
  batchLines?: number
  /** How long a line may wait for a full batch before it is sent anyway. */
  flushMs?: number
  /** The most lines held while InfluxDB cannot take them; beyond it the oldest go first. */
  maxBufferedLines?: number
  retryBaseMs?: number
  retryMaxMs?: number
  requestTimeoutMs?: number
}

export interface InfluxWriterStats {
  /** Lines InfluxDB accepted. */
  written: number
  /** Requests InfluxDB accepted (fully or partly). */
  batches: number
  /** Requests sent again after a 5xx, 429, timeout or network error. */
  retries: number
  /** Lines given up on, for any reason (the sum of the next three). */
  dropped: number
  /** ... because the buffer was full while InfluxDB could not take them. */
  dropped_overflow: number
  /** ... because InfluxDB refused them (4xx). */
  dropped_rejected: number
  /** ... because close() ran out of time, or they arrived after close(). */
  dropped_closed: number
  /** Requests InfluxDB refused with a 4xx. */
  rejected_batches: number
  /** Sample points that became no line: no finite field, an unencodable name or timestamp. */
  skipped_points: number
  /** Lines waiting (including the batch in flight). */
  buffered: number
  last_error: string | null
  last_error_at: number | null
  last_write_at: number | null
}

type Outcome = { kind: 'ok' } | { kind: 'rejected'; status: number; message: string; dropped: number } | { kind: 'retry'; error: string }

/**
 * Lines in arrival order, held as the arrays they came in (no per-line copying). A message of a
 * few lines is one array, so a batch can span thousands: the head moves by index, and the arrays
 * behind it are let go in one splice once they are most of the list.
 */
class LineQueue {
  private chunks: string[][] = []
  /** The first array still holding lines, and the first of its lines still queued. */
  private first = 0
  private head = 0
  length = 0

  push(lines: string[]): void {
    if (lines.length === 0) return
    this.chunks.push(lines)
    this.length += lines.length
  }

  peek(n: number): string[] {
    const out: string[] = []
    let skip = this.head
    for (let i = this.first; i < this.chunks.length && out.length < n; i++) {
      const c = this.chunks[i]
      const take = Math.min(c.length - skip, n - out.length)
      for (let j = 0; j < take; j++) out.push(c[skip + j])
      skip = 0
    }
    return out
  }

  /** Removes up to `n` lines from the head; returns how many went. */
  drop(n: number): number {
    let left = Math.min(n, this.length)
    const removed = left
    while (left > 0) {
      const avail = this.chunks[this.first].length - this.head
      if (avail <= left) {
        this.first++
        this.head = 0
        left -= avail
      } else {
        this.head += left
        left = 0
      }
    }
    this.length -= removed
    if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks.splice(0, this.first)
      this.first = 0
    }
    return removed
  }
}

/**
 * How many lines of a refused batch did not land. InfluxDB 1.x writes the good lines of a batch
 * and answers 400 "partial write: ... dropped=N", where N counts points it refused (a field type
 * conflict, outside the retention policy) but not lines it could not parse, which it names in
 * "unable to parse" clauses instead. It reports one kind per answer (a type conflict hides parse
 * errors in the same batch), so this is InfluxDB's count, exact for the lines `write()` makes
 * (they always parse). Any other refusal is of the whole batch.
 */
function rejectedLines(message: string, batchLines: number): number {
  if (!message.includes('partial write')) return batchLines
  const dropped = Number(/dropped=(\d+)/.exec(message)?.[1] ?? 0)
  const unparsable = message.match(/unable to parse/g)?.length ?? 0
  return Math.min(batchLines, dropped + unparsable)
}

export class InfluxWriter {
  private readonly writeUrl: URL
  private readonly headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' }
  private readonly log: Logger
  private readonly batchLines: number
  private readonly maxBuffered: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number
  private readonly requestTimeoutMs: number
  private readonly queue = new LineQueue()
  private readonly flushMs: number
  private linger: ReturnType<typeof setTimeout> | null = null
  private readonly s: Omit<InfluxWriterStats, 'buffered' | 'dropped'> = {
    written: 0,
    batches: 0,
    retries: 0,
    dropped_overflow: 0,
    dropped_rejected: 0,
    dropped_closed: 0,
    rejected_batches: 0,
    skipped_points: 0,
    last_error: null,
    last_error_at: null,
    last_write_at: null,
  }

  /** Lines ever queued, and lines that have left the queue (written or dropped): flush() waits on these. */
  private enqueued = 0
  private settled = 0
  private waiters: { upTo: number; resolve: () => void }[] = []
  private pumping: Promise<void> | null = null
  private inFlight = 0
  private droppedFromFlight = 0
  private failures = 0
  private overflowing = false
  private closed = false
  private giveUpAt = Infinity
  private wake: (() => void) | null = null

  constructor(opts: InfluxWriterOptions) {
    this.writeUrl = endpoint(opts.url, 'write')
    this.writeUrl.searchParams.set('db', opts.db)
    this.writeUrl.searchParams.set('precision', 'ms')
    authorize(this.writeUrl, this.headers, opts)
    this.log = opts.log
    this.batchLines = Math.max(1, Math.floor(opts.batchLines ?? 5000))
    this.maxBuffered = Math.max(this.batchLines, Math.floor(opts.maxBufferedLines ?? 500_000))
    this.retryBaseMs = opts.retryBaseMs ?? 250
    this.retryMaxMs = opts.retryMaxMs ?? 30_000
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 15_000
    this.flushMs = Math.max(10, opts.flushMs ?? 250)
  }

  /** Queues a robot's samples; returns how many lines that made and how many points were skipped. */
  write(robotId: string, samples: readonly Sample[]): { lines: number; skipped: number } {
    const enc = encodeSamples(robotId, samples)
    this.s.skipped_points += enc.skippedTotal
    if (enc.skippedTotal > 0) this.log.debug('sample points skipped', { robot_id: robotId, ...enc.skipped })
    this.writeLines(enc.lines)
    return { lines: enc.lines.length, skipped: enc.skippedTotal }
  }

  /** Queues ready-made line protocol (ms timestamps). The array is kept, not copied: do not reuse it. */
  writeLines(lines: string[]): void {
    if (lines.length === 0) return
    if (this.closed) {
      this.s.dropped_closed += lines.length
      return
    }
    this.queue.push(lines)
    this.enqueued += lines.length
    const over = this.queue.length - this.maxBuffered
    if (over > 0) this.dropOverflow(over)
    else this.overflowing = false
    if (this.queue.length >= this.batchLines) this.kick()
    else this.armLinger()
  }

  /**
   * A partial batch waits at most `flushMs` from its first line (not from a fixed tick), and
   * not at all while a request is in flight: the pump takes what arrived when it returns.
   */
  private armLinger(): void {
    if (this.linger || this.pumping) return
    this.linger = setTimeout(() => {
      this.linger = null
      if (this.queue.length > 0) this.kick()
    }, this.flushMs)
    // The timer alone must not keep a process alive; close() is what drains.
    this.linger.unref?.()
  }

  /** Resolves when every line queued before the call has been written or dropped. */
  flush(): Promise<void> {
    if (this.settled >= this.enqueued) return Promise.resolve()
    const p = new Promise<void>((resolve) => this.waiters.push({ upTo: this.enqueued, resolve }))
    this.kick()
    return p
  }

  /**
   * Stops taking lines and drains the buffer. Lines still unwritten after `timeoutMs` (InfluxDB
   * down at shutdown) are dropped and counted, so a shutdown never hangs on InfluxDB: it waits at
   * most `timeoutMs` plus one request's `requestTimeoutMs`.
   */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closed = true
    if (this.linger) clearTimeout(this.linger)
    this.linger = null
    this.giveUpAt = Date.now() + timeoutMs
    const deadline = setTimeout(() => this.wake?.(), timeoutMs)
    try {
      await this.flush()
    } finally {
      clearTimeout(deadline)
    }
  }

  stats(): InfluxWriterStats {
    const s = this.s
    return { ...s, dropped: s.dropped_overflow + s.dropped_rejected + s.dropped_closed, buffered: this.queue.length }
  }

  private dropOverflow(n: number): void {
    const gone = this.queue.drop(n)
    this.s.dropped_overflow += gone
    if (this.inFlight > 0) this.droppedFromFlight = Math.min(this.inFlight, this.droppedFromFlight + gone)
    this.settle(gone)
    if (!this.overflowing) {
      this.overflowing = true
      this.log.error('InfluxDB write buffer full: dropping the oldest lines', {
        max_buffered_lines: this.maxBuffered,
        last_error: this.s.last_error,
      })
    }
  }

  private settle(n: number): void {
    this.settled += n
    if (this.waiters.length === 0) return
    const still: typeof this.waiters = []
    for (const w of this.waiters) this.settled >= w.upTo ? w.resolve() : still.push(w)
    this.waiters = still
  }

  private kick(): void {
    if (this.linger) {
      clearTimeout(this.linger)
      this.linger = null
    }
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null
      // Lines that arrived while the last request was finishing, with a flush waiting on them.
      if (this.waiters.length > 0 && this.queue.length > 0) this.kick()
    })
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      if (Date.now() >= this.giveUpAt) {
        const n = this.queue.drop(this.queue.length)
        this.s.dropped_closed += n
        this.log.error('InfluxDB writer closed with lines unwritten', { dropped: n, last_error: this.s.last_error })
        this.settle(n)
        return
      }
      const batch = this.queue.peek(this.batchLines)
      this.inFlight = batch.length
      this.droppedFromFlight = 0
      const outcome = await this.send(batch)
      this.inFlight = 0
      if (outcome.kind === 'retry') {
        this.failures++
        this.s.retries++
        this.noteError(outcome.error)
        const delay = this.backoff(this.failures)
        this.log.warn('InfluxDB write failed; retrying', { error: outcome.error, attempt: this.failures, retry_in_ms: delay, buffered: this.queue.length })
        await this.sleep(delay)
        continue
      }
      // InfluxDB answered for the whole batch, so lines counted as overflow while it was in
      // flight are accounted by that answer instead; the rest of the batch is still at the head.
      this.s.dropped_overflow -= this.droppedFromFlight
      this.settle(this.queue.drop(batch.length - this.droppedFromFlight))
      if (this.failures > 0) this.log.info('InfluxDB writes recovered', { after_attempts: this.failures })
      this.failures = 0
      if (outcome.kind === 'ok') {
        this.s.written += batch.length
        this.s.batches++
        this.s.last_write_at = Date.now()
      } else {
        const dropped = Math.min(outcome.dropped, batch.length)
        this.s.rejected_batches++
        this.s.dropped_rejected += dropped
        this.s.written += batch.length - dropped
        if (dropped < batch.length) this.s.batches++
        this.noteError(`${outcome.status}: ${outcome.message}`)
        this.log.error('InfluxDB refused a batch; dropped, not retried', {
          status: outcome.status,
          error: outcome.message,
          lines: batch.length,
          dropped,
        })
      }
    }
  }

  private async send(batch: string[]): Promise<Outcome> {
    // Level 1: on a LAN the request is CPU-bound, not bandwidth-bound. A 5,000-line servo batch
    // (457 KB) becomes 49 KB in 0.55 ms, against 28 KB in 3.7 ms at the default level 6.
    const body = Bun.gzipSync(Buffer.from(batch.join('\n') + '\n'), { level: 1 })
    let res: Response
    try {
      res = await fetch(this.writeUrl, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      })
    } catch (err) {
      return { kind: 'retry', error: `network: ${(err as Error).message}` }
    }
    const text = await res.text().catch(() => '')
    if (res.ok) return { kind: 'ok' }
    const message = influxErrorText(text) || res.statusText
    if (res.status >= 500 || res.status === 429) return { kind: 'retry', error: `${res.status}: ${message}` }
    return { kind: 'rejected', status: res.status, message, dropped: rejectedLines(message, batch.length) }
  }

  /** Exponential, capped, with "equal jitter": never less than half the step, so robots that
   * lost InfluxDB together do not all come back in the same instant. */
  private backoff(attempt: number): number {
    const step = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempt - 1, 30))
    return Math.round(step / 2 + Math.random() * (step / 2))
  }

  private noteError(e: string): void {
    this.s.last_error = e
    this.s.last_error_at = Date.now()
  }

  /** A back-off pause that close() can cut short, so shutdown does not wait out a long step. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, Math.min(ms, this.giveUpAt - Date.now())))
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.wake = () => {
        this.wake = null
        done()
      }
    })
  }
}
