// Alert changes sent to a configured URL (a chat bridge, an on-call service), asynchronously:
// the rule evaluation hands a message over and moves on. Each delivery is a POST of the same
// JSON as on tonypi/system/alerts, signed with HMAC-SHA256 when a secret is set
// (`X-TonyPi-Signature: sha256=<hex of the body's HMAC>`), carrying an id that stays the same
// across retries (`X-TonyPi-Delivery`) so a receiver can drop a repeat.
//
// A network error, a timeout, a 5xx or a 429 is retried with exponential backoff (a 429's or
// 503's Retry-After is honoured, within the same cap); any other answer outside 2xx is final,
// since sending the same request again cannot change it. After the last attempt a system_logs
// row says the delivery was given up. Deliveries of one alert go out in order (an open before
// its resolve); different alerts do not wait for each other. At shutdown, backoff waits end at
// once, a request in flight gets a short grace, and whatever was not delivered is logged. With an
// outbox (the webhook_outbox table) nothing outstanding is lost to a stop or a crash: resume()
// sends it after the next start, under the same delivery id, its attempts counted on. An alert's
// change stages its delivery in the change's own transaction (stage), and it is sent once that
// commits (send): a crash between the change and its delivery cannot happen.
import { createHmac, randomUUID } from 'node:crypto'
import type { AlertMessage } from '../../core/alerts/record.ts'
import type { Logger } from '../../core/log.ts'
import type { OutboxEntry, OutboxWriter, WebhookOutbox } from './webhook-outbox.ts'

export const SIGNATURE_HEADER = 'x-tonypi-signature'
export const DELIVERY_HEADER = 'x-tonypi-delivery'

/** Backoff never waits longer than this between two attempts. */
const MAX_BACKOFF_MS = 5 * 60_000
/** Deliveries waiting or in progress; past this a new one is given up at once (and logged). */
const MAX_PENDING = 1000
/** How long a request in flight at shutdown may still finish. */
const SHUTDOWN_GRACE_MS = 2000

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export interface WebhookRecords {
  log(rec: { robotId: string | null; level: string; category: string; message: string; details?: unknown; ts: number }): Promise<void>
}

export interface WebhookOptions {
  url: string
  secret?: string
  /** Attempts in all, the first included. */
  attempts: number
  /** The wait before the second attempt; it doubles for each one after. */
  backoffMs: number
  timeoutMs: number
  log: Logger
  records: WebhookRecords
  /** Where outstanding deliveries survive a restart; without one they live in memory only. */
  outbox?: WebhookOutbox
}

interface Delivery {
  id: string
  msg: AlertMessage
  body: string
  attempts: number
  lastError: string | null
  /** The outbox row being written (resolved when there is none). */
  saved: Promise<void>
}

/** A delivery written to the outbox in an alert change's transaction, to send once it commits. */
export interface StagedDelivery {
  id: string
  msg: AlertMessage
  body: string
}

type Outcome = { kind: 'done' } | { kind: 'retry'; error: string; retryAfterMs: number | null } | { kind: 'final'; error: string }

export class AlertWebhook {
  readonly counters = { delivered: 0, retried: 0, given_up: 0, undelivered_at_shutdown: 0 }
  private readonly pending = new Set<Delivery>()
  private readonly chains = new Map<number, Promise<void>>()
  /** Ends backoff waits at once on shutdown. */
  private readonly stopWaits = new AbortController()
  /** Ends requests in flight, after the grace. */
  private readonly stopRequests = new AbortController()
  private stopping = false
  private readonly target: string

  constructor(private readonly opts: WebhookOptions) {
    // Webhook URLs often carry their secret in the path or query: logs name the origin only.
    this.target = new URL(opts.url).origin
  }

  get pendingCount(): number {
    return this.pending.size
  }

  /** Writes a delivery to the outbox within `tx`, the transaction of the alert's change; send() it after the commit. */
  async stage(tx: OutboxWriter, msg: AlertMessage): Promise<StagedDelivery> {
    const d = { id: randomUUID(), msg, body: JSON.stringify(msg) }
    await this.opts.outbox?.add({ id: d.id, alertId: msg.id, body: d.body, attempts: 0, lastError: null }, tx)
    return d
  }

  /** Sends a delivery stage() wrote, now that its transaction has committed; returns at once. */
  send(staged: StagedDelivery): void {
    const d: Delivery = { ...staged, attempts: 0, lastError: null, saved: Promise.resolve() }
    // Stopping: it stays in the outbox and goes out after the next start.
    if (this.stopping && this.opts.outbox) return
    if (this.stopping) return void this.giveUp(d, 'warn', 'the hub is stopping')
    if (this.pending.size >= MAX_PENDING) {
      void this.store((o) => o.remove(d.id))
      return void this.giveUp(d, 'error', `${MAX_PENDING} deliveries are already waiting`)
    }
    this.schedule(d)
  }

  /** Queues a delivery and returns at once (a change outside a transaction of ours). */
  deliver(msg: AlertMessage): void {
    const d: Delivery = { id: randomUUID(), msg, body: JSON.stringify(msg), attempts: 0, lastError: null, saved: Promise.resolve() }
    if (this.stopping) return void this.giveUp(d, 'warn', 'the hub is stopping')
    if (this.pending.size >= MAX_PENDING) return void this.giveUp(d, 'error', `${MAX_PENDING} deliveries are already waiting`)
    d.saved = this.store((o) => o.add({ id: d.id, alertId: msg.id, body: d.body, attempts: 0, lastError: null }))
    this.schedule(d)
  }

  /** Sends what an earlier run left in the outbox, oldest first; returns how many. */
  async resume(): Promise<number> {
    if (!this.opts.outbox) return 0
    const left = await this.opts.outbox.pending()
    const known = new Set([...this.pending].map((d) => d.id))
    let n = 0
    for (const e of left) {
      if (known.has(e.id)) continue
      const d = fromOutbox(e)
      if (!d) {
        await this.store((o) => o.remove(e.id))
        this.opts.log.error('unreadable webhook outbox row dropped', { delivery: e.id, alert_id: e.alertId })
        continue
      }
      this.schedule(d)
      n++
    }
    if (n) this.opts.log.info('alert webhook deliveries resumed from the outbox', { url: this.target, deliveries: n })
    return n
  }

  private schedule(d: Delivery) {
    this.pending.add(d)
    const prev = this.chains.get(d.msg.id) ?? Promise.resolve()
    const next = prev.then(
      () => this.run(d),
      () => this.run(d),
    )
    this.chains.set(d.msg.id, next)
    void next.finally(() => {
      if (this.chains.get(d.msg.id) === next) this.chains.delete(d.msg.id)
    })
  }

  /** An outbox write; a failure is logged, never thrown: the delivery goes on from memory. */
  private async store(write: (o: WebhookOutbox) => Promise<void>): Promise<void> {
    if (!this.opts.outbox) return
    try {
      await write(this.opts.outbox)
    } catch (err) {
      this.opts.log.error('webhook outbox write failed: this delivery would not survive a restart', { error: err as Error })
    }
  }

  /** Resolves once every queued delivery has ended (delivered or given up). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()])
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.idle()
    this.stopping = true
    this.stopWaits.abort()
    const grace = setTimeout(() => this.stopRequests.abort(), Math.min(SHUTDOWN_GRACE_MS, this.opts.timeoutMs))
    await this.idle()
    clearTimeout(grace)
    const left = [...this.pending]
    this.pending.clear()
    if (!left.length) return
    this.counters.undelivered_at_shutdown += left.length
    const details = left.map((d) => ({
      delivery: d.id,
      alert_id: d.msg.id,
      robot_id: d.msg.robot_id,
      change: d.msg.change,
      attempts: d.attempts,
      last_error: d.lastError,
    }))
    const later = this.opts.outbox ? '; kept in the outbox, sent after the next start' : ''
    this.opts.log.warn('alert webhook deliveries not completed at shutdown', { url: this.target, deliveries: details, kept: Boolean(this.opts.outbox) })
    await this.opts.records
      .log({
        robotId: null,
        level: 'warn',
        category: 'alerts',
        ts: Date.now(),
        details: { url: this.target, deliveries: details, kept: Boolean(this.opts.outbox) },
        message: `alert webhook: ${left.length} ${left.length === 1 ? 'delivery' : 'deliveries'} not completed at shutdown (alerts ${[...new Set(left.map((d) => d.msg.id))].join(', ')})${later}`,
      })
      .catch((err: unknown) => this.opts.log.error('shutdown webhook log not written', { error: err as Error }))
  }

  private async run(d: Delivery) {
    await d.saved
    while (!this.stopping) {
      d.attempts++
      const outcome = await this.attempt(d)
      if (outcome.kind === 'done') {
        this.pending.delete(d)
        this.counters.delivered++
        return this.store((o) => o.remove(d.id))
      }
      d.lastError = outcome.error
      await this.store((o) => o.attempted(d.id, d.attempts, outcome.error))
      if (this.stopping) return // left in `pending`: stop() logs it
      if (outcome.kind === 'final' || d.attempts >= this.opts.attempts) {
        this.pending.delete(d)
        await this.store((o) => o.remove(d.id))
        return this.giveUp(d, 'error', outcome.error)
      }
      this.counters.retried++
      const backoff = Math.min(MAX_BACKOFF_MS, this.opts.backoffMs * 2 ** (d.attempts - 1))
      const wait = outcome.retryAfterMs === null ? backoff : Math.min(MAX_BACKOFF_MS, Math.max(backoff, outcome.retryAfterMs))
      this.opts.log.warn('alert webhook delivery failed, will retry', {
        url: this.target,
        alert_id: d.msg.id,
        attempt: d.attempts,
        error: outcome.error,
        retry_in_ms: wait,
      })
      await sleep(wait, this.stopWaits.signal)
    }
  }

  private async attempt(d: Delivery): Promise<Outcome> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'tonypi-hub',
      [DELIVERY_HEADER]: d.id,
      'x-tonypi-attempt': String(d.attempts),
    }
    if (this.opts.secret) headers[SIGNATURE_HEADER] = signBody(d.body, this.opts.secret)
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers,
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.stopRequests.signal, AbortSignal.timeout(this.opts.timeoutMs)]),
      })
      await res.arrayBuffer().catch(() => undefined) // free the connection
      if (res.status >= 200 && res.status < 300) return { kind: 'done' }
      const error = `HTTP ${res.status}`
      if (res.status === 429 || res.status >= 500) return { kind: 'retry', error, retryAfterMs: retryAfter(res.headers.get('retry-after')) }
      return { kind: 'final', error: res.status >= 300 && res.status < 400 ? `${error} (redirects are not followed)` : error }
    } catch (err) {
      const e = err as Error
      const error = e.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : e.name === 'AbortError' ? 'aborted at shutdown' : e.message
      return { kind: 'retry', error, retryAfterMs: null }
    }
  }

  private async giveUp(d: Delivery, level: 'warn' | 'error', why: string) {
    this.counters.given_up++
    const { msg } = d
    const tries = d.attempts === 0 ? 'before any attempt' : `after ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`
    const message = `alert webhook: gave up delivering alert ${msg.id} (${msg.change}, ${msg.severity}: ${msg.title}) ${tries}: ${why}`
    this.opts.log[level]('alert webhook delivery given up', { url: this.target, delivery: d.id, alert_id: msg.id, attempts: d.attempts, error: why })
    await this.opts.records
      .log({
        robotId: msg.robot_id,
        level,
        category: 'alerts',
        message,
        ts: Date.now(),
        details: { url: this.target, delivery: d.id, alert_id: msg.id, change: msg.change, attempts: d.attempts, error: why },
      })
      .catch((err: unknown) => this.opts.log.error('webhook give-up log not written', { error: err as Error }))
  }
}

function fromOutbox(e: OutboxEntry): Delivery | null {
  try {
    const msg = JSON.parse(e.body) as AlertMessage
    if (typeof msg !== 'object' || msg === null || msg.id !== e.alertId) return null
    return { id: e.id, msg, body: e.body, attempts: e.attempts, lastError: e.lastError, saved: Promise.resolve() }
  } catch {
    return null
  }
}

/** Retry-After in seconds or as an HTTP date, in ms; null when absent or unreadable. */
function retryAfter(v: string | null): number | null {
  if (!v) return null
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000
  const at = Date.parse(v)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })
}
