// The robot's sync client: pushes batches from its outbox to the hub over HTTPS (or HTTP on a
// trusted LAN), one at a time, and moves its cursors only on the hub's answer. Failures back
// off exponentially with jitter; after an outage the catch-up is capped in bytes per second so
// the robot stays responsive. Everything it knows is in `status()` for the dashboards.
import type { Logger } from '../core/log.ts'
import { BATCH_LIMITS, CATCH_UP, SYNC_VERSION, type BatchAck, type LaneMarks, type SyncConfig } from './protocol.ts'
import { hubFetch, jsonBody, type HubEndpoint, HubRequestError } from './hub-request.ts'
import type { SyncStatus } from './status.ts'

export interface BatchSource {
  dbId(): string
  cursors(): LaneMarks
  acknowledge(ack: LaneMarks): void
  rewind(to: LaneMarks): void
  read(
    limits: { maxRecords: number; maxBytes: number },
    header: { boot_id: string; wall_ms: number; mono_ms: number; rtt_ms?: number },
  ): { body: string; records: number; bytes: number; lanes: Partial<Record<'events' | 'telemetry', { after: number; to: number }>> } | null
  backlog(): { events: number; telemetry: number }
  oldestPendingTs(): number | null
  dropped(): Record<string, number>
}

export interface SyncClientOptions {
  endpoint: HubEndpoint
  source: BatchSource
  clock: { bootId: string; wall(): number; mono(): number }
  log: Logger
  /** Catch-up cap, uncompressed batch bytes per second. */
  maxBytesPerS: number
  /** The least time between two batches once caught up (a batch per tick is plenty). */
  intervalMs?: number
  /** Told about the hub's answer to `sync/config` (the uplink needs the broker's address). */
  onConfig?: (cfg: SyncConfig) => void
  /** Told about each batch the hub acknowledged (the edge raises alerts on drops, refreshes state). */
  onAck?: (ack: BatchAck) => void
}

const MAX_BACKOFF_MS = 60_000

export class SyncClient {
  private running = false
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private failures = 0
  private config: SyncConfig | null = null
  private limits: { maxRecords: number; maxBytes: number } = { maxRecords: BATCH_LIMITS.maxRecords, maxBytes: BATCH_LIMITS.maxBytes }
  private lastRtt: number | undefined
  private lastAckTs: number | null = null
  private lastError: { message: string; ts: number } | null = null
  private acked: { ts: number; n: number }[] = []
  private quarantined = 0
  private corrected = 0
  private hubOffset: number | null = null
  /** Hub time minus the monotonic clock, from the answer with the shortest round trip so far. */
  private anchor: { ms: number; rtt: number } | null = null
  private logged = new Map<string, number>()
  /** What went on the wire: compressed batch bytes and batches (acknowledged or not). */
  readonly sent = { wire_bytes: 0, batches: 0 }

  constructor(private readonly opts: SyncClientOptions) {}

  start() {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  async stop() {
    this.running = false
    this.wake?.()
    await this.loop
  }

  /** New records are in the outbox: send them without waiting for the next poll. */
  kick() {
    this.wake?.()
  }

  /** Looks the hub up again (the uplink calls this when the broker stops answering). */
  forgetConfig() {
    this.config = null
    this.wake?.()
  }

  /** The hub's clock minus the robot's, as last measured (null before the first answer). */
  get hubClockOffsetMs(): number | null {
    return this.hubOffset
  }

  private async run() {
    while (this.running) {
      // Idle: new records wake it. Pacing a catch-up or backing off after a failure: only stop() does.
      let wait = { ms: this.opts.intervalMs ?? 1000, wakeable: true }
      try {
        if (!this.config) await this.fetchConfig()
        const sent = await this.sendOne()
        this.failures = 0
        if (sent) wait = { ms: sent.paceMs, wakeable: false }
      } catch (err) {
        wait = { ms: this.onFailure(err as Error), wakeable: false }
      }
      await this.sleep(wait.ms, wait.wakeable)
    }
  }

  private async fetchConfig() {
    const source = this.opts.source
    const started = performance.now()
    const cfg = await hubFetch<SyncConfig>(this.opts.endpoint, `sync/config?db_id=${encodeURIComponent(source.dbId())}`, { method: 'GET' })
    this.noteHubClock(cfg.hub_ms, performance.now() - started)
    if (cfg.v !== SYNC_VERSION) throw new HubRequestError(0, `the hub speaks sync version ${cfg.v}, this robot ${SYNC_VERSION}`, true)
    this.limits = { maxRecords: Math.min(BATCH_LIMITS.maxRecords, cfg.limits.max_records), maxBytes: Math.min(BATCH_LIMITS.maxBytes, cfg.limits.max_bytes) }
    // The hub's marks are the truth: ahead of ours, our last ack was lost; behind, it lost data.
    const cur = source.cursors()
    if (cfg.ack.events > cur.events || cfg.ack.telemetry > cur.telemetry) source.acknowledge(cfg.ack)
    if (cfg.ack.events < cur.events || cfg.ack.telemetry < cur.telemetry) {
      this.opts.log.warn('the hub has less of this robot than it acknowledged before: sending again from its marks', { hub: cfg.ack, robot: cur })
      source.rewind(cfg.ack)
    }
    this.config = cfg
    this.opts.log.info('hub found', { url: this.opts.endpoint.url, mqtt: cfg.mqtt.url })
    this.opts.onConfig?.(cfg)
  }

  private async sendOne(): Promise<{ paceMs: number } | null> {
    const { source, clock } = this.opts
    // A capped catch-up goes in small, even steps (about two seconds' worth each): the robot never
    // builds one huge batch, and the hub's progress moves steadily.
    const limits = { maxRecords: this.limits.maxRecords, maxBytes: Math.min(this.limits.maxBytes, Math.max(64 * 1024, this.opts.maxBytesPerS * 2)) }
    const batch = source.read(limits, {
      boot_id: clock.bootId,
      wall_ms: clock.wall(),
      mono_ms: clock.mono(),
      ...(this.lastRtt !== undefined ? { rtt_ms: this.lastRtt } : {}),
      ...(this.anchor ? { anchor_ms: this.anchor.ms } : {}),
    })
    if (!batch) return null
    const started = performance.now()
    let ack: BatchAck
    try {
      const body = jsonBody(batch.body, true)
      this.sent.wire_bytes += body.bytes.length
      this.sent.batches++
      ack = await hubFetch<BatchAck>(this.opts.endpoint, 'sync/batch', { method: 'POST', body })
    } catch (err) {
      if (err instanceof HubRequestError && err.status === 409 && err.body && typeof err.body === 'object' && 'ack' in err.body) {
        const marks = (err.body as { ack: LaneMarks }).ack
        this.opts.log.warn('the hub is missing records before this batch: sending again from its marks', { hub: marks, message: err.message })
        source.rewind(marks)
        return { paceMs: 0 }
      }
      if (err instanceof HubRequestError && err.status === 413 && this.limits.maxRecords > 10) {
        this.limits = { maxRecords: Math.ceil(this.limits.maxRecords / 2), maxBytes: Math.ceil(this.limits.maxBytes / 2) }
        this.opts.log.warn('the hub refused a batch as too large: halving the batch size', {
          max_records: this.limits.maxRecords,
          max_bytes: this.limits.maxBytes,
        })
        return { paceMs: 0 }
      }
      throw err
    }
    const rtt = performance.now() - started
    this.lastRtt = Math.round(rtt)
    this.noteHubClock(ack.hub_ms, rtt)
    source.acknowledge(ack.ack)
    const now = Date.now()
    this.lastAckTs = now
    this.acked.push({ ts: now, n: batch.records })
    if (ack.quarantined.length) {
      this.quarantined += ack.quarantined.length
      this.opts.log.warn('the hub set records aside it could not apply', { records: ack.quarantined.slice(0, 10) })
    }
    this.corrected += ack.corrected
    this.opts.onAck?.(ack)
    // Catching up: hold the byte rate under the cap. Caught up: the next batch can wait a tick.
    const pace = (batch.bytes / this.opts.maxBytesPerS) * 1000 - rtt
    const more = batch.records >= limits.maxRecords || batch.bytes >= limits.maxBytes * 0.9
    return { paceMs: more ? Math.max(0, pace) : Math.max(pace, this.opts.intervalMs ?? 1000) }
  }

  private noteHubClock(hubMs: number, rttMs: number) {
    this.hubOffset = Math.round(hubMs + rttMs / 2 - Date.now())
    // The monotonic clock never steps, so the best measure stays good for the whole boot.
    if (!this.anchor || rttMs <= this.anchor.rtt) this.anchor = { ms: Math.round(hubMs + rttMs / 2 - this.opts.clock.mono()), rtt: rttMs }
  }

  private onFailure(err: Error): number {
    this.failures++
    this.lastError = { message: err.message, ts: Date.now() }
    // A refusal that retrying cannot fix (credential, version) is said once a minute at most.
    const key = err.message.slice(0, 80)
    const last = this.logged.get(key) ?? 0
    if (Date.now() - last > 60_000) {
      this.logged.set(key, Date.now())
      this.opts.log.warn('sync with the hub failed; retrying', { error: err.message, failures: this.failures })
    }
    if (this.failures >= 3 || (err instanceof HubRequestError && (err.status === 401 || err.status === 403))) this.config = null
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 6))
    return base * (0.5 + Math.random() * 0.5)
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running || ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null
        resolve()
      }, ms)
      this.wake = () => {
        if (wakeable || !this.running) {
          clearTimeout(t)
          this.wake = null
          resolve()
        }
      }
    })
  }

  status(now = Date.now()): SyncStatus {
    const { source } = this.opts
    const backlog = source.backlog()
    const oldest = source.oldestPendingTs()
    this.acked = this.acked.filter((a) => now - a.ts <= 10_000)
    const rate = this.acked.reduce((a, b) => a + b.n, 0) / 10
    const dropped = source.dropped()
    const total = Object.values(dropped).reduce((a, b) => a + b, 0)
    const lag = oldest === null ? 0 : Math.max(0, now - oldest)
    return {
      configured: true,
      connected: this.config !== null && this.failures === 0,
      hub_url: this.opts.endpoint.url,
      backlog: backlog.events + backlog.telemetry,
      backlog_by_lane: backlog,
      cursor: source.cursors(),
      last_ack_ts: this.lastAckTs,
      lag_ms: lag,
      rate_per_s: Math.round(rate * 10) / 10,
      dropped: {
        total,
        by_stream: dropped,
        reason: total ? 'the disk quota was reached while the hub was away: the oldest unsynced samples were dropped' : null,
      },
      catching_up: backlog.events + backlog.telemetry > CATCH_UP.records || lag > CATCH_UP.lagMs,
      last_error: this.lastError?.message ?? null,
      last_error_ts: this.lastError?.ts ?? null,
      quarantined: this.quarantined,
      corrected_samples: this.corrected,
      hub_clock_offset_ms: this.hubOffset,
    }
  }
}
