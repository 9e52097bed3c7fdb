// The robot's live link to its hub's broker, with its own credential: a retained status with a
// last will (`offline` the moment the link dies), a reduced-rate live view for the fleet
// dashboard, and commands in and their outcomes out. Commands are never queued for a robot
// that is away: the session is clean, requests travel at QoS 0, and one older than its time to
// live (by the hub's clock, as the sync client measures it) is refused, not executed.
import type { Logger } from '../core/log.ts'
import type { Sample, StreamName } from '../core/streams.ts'
import { robotTopic } from '../core/topics.ts'
import { encodeLive } from './live-payload.ts'
import { isObj } from '../core/json-object.ts'
import { MqttLink, type MqttLinkOptions } from './mqtt-link.ts'
import type { UplinkStatus } from './status.ts'

export interface CommandOutcomeLike {
  id: string
  type: string
  state: string
  reason?: string
  ts: number
}

export interface UplinkHost {
  robotId: string
  /** The retained status payload, as the robot's own broker has it. */
  status(state: 'online' | 'offline'): Record<string, unknown>
  /** Samples and command outcomes as they happen; returns the unsubscribe. */
  listen(l: { samples(s: Sample[]): void; command(o: CommandOutcomeLike): void; statusChanged(): void }): () => void
  submit(body: unknown, id: string | undefined, username: string): CommandOutcomeLike
  /** The hub's clock minus the robot's, or null before it was measured. */
  hubClockOffsetMs(): number | null
  /** The hub has users, rules or alert actions for the robot. */
  pullDown(): void
}

/** How often the fleet view gets each stream (ms). Servo positions at 5 Hz read as live motion. */
export const LIVE_PERIOD_MS: Record<StreamName, number> = { servos: 200, imu: 200, battery: 1000, performance: 1000, sensors: 1000 }

/** A request older than this (by the hub's clock) is refused: a motion replayed late is a hazard. */
export const COMMAND_TTL_MS = 10_000

export class Uplink {
  private link: MqttLink | null = null
  private connecting = false
  private running = false
  private broker: { url: string; username: string; ca?: string } | null = null
  private since: number | null = null
  private lastError: string | null = null
  private failures = 0
  private retry: ReturnType<typeof setTimeout> | null = null
  private unlisten: (() => void) | null = null
  private lastLive = new Map<StreamName, number>()
  private fromHub = new Map<string, number>()
  private counters = { live_sent: 0, commands: 0 }

  constructor(private readonly deps: { host: UplinkHost; token: string; log: Logger; clientId?: string; onLost?: (err: Error) => void }) {}

  /** Connects (or reconnects) to the broker the hub named. */
  use(broker: { url: string; username: string; ca?: string }) {
    const same = this.broker && this.broker.url === broker.url && this.broker.username === broker.username
    this.broker = broker
    if (!this.running) {
      this.running = true
      this.unlisten = this.deps.host.listen({
        samples: (s) => this.live(s),
        command: (o) => this.outcome(o),
        statusChanged: () => void this.publishStatus('online'),
      })
    }
    if (same && (this.link?.connected || this.retry || this.connecting)) return
    if (this.retry) clearTimeout(this.retry)
    this.link?.close()
    void this.connect()
  }

  private topic(c: 'status' | 'live' | 'command/request' | 'command/response' | 'sync') {
    return robotTopic(this.deps.host.robotId, c)
  }

  private async connect() {
    if (!this.running || !this.broker) return
    this.retry = null
    const offline = JSON.stringify({ ...this.deps.host.status('offline'), reason: 'uplink lost' })
    const opts: MqttLinkOptions = {
      url: this.broker.url,
      username: this.broker.username,
      password: this.deps.token,
      ca: this.broker.ca,
      clientId: this.deps.clientId ?? `tonypi-edge-${this.deps.host.robotId}`,
      keepaliveS: 10,
      will: { topic: this.topic('status'), payload: offline, qos: 1, retain: true },
    }
    const link = new MqttLink(opts)
    this.link = link
    this.connecting = true
    link.onMessage = (topic, payload) => this.onMessage(topic, payload)
    try {
      await link.connect()
      await link.subscribe([this.topic('command/request'), this.topic('sync')], 0)
      await this.publishStatus('online')
      this.failures = 0
      this.since = Date.now()
      this.lastError = null
      this.deps.log.info('uplink to the hub broker is up', { broker: this.broker.url })
      this.deps.host.pullDown()
      link.onClose((err) => {
        if (this.link !== link) return
        this.since = null
        if (err) this.lost(err)
      })
    } catch (err) {
      link.close()
      // An attempt overtaken by a newer one (the broker moved) must not start a second retry loop.
      if (this.link === link) this.lost(err as Error)
    } finally {
      if (this.link === link) this.connecting = false
    }
  }

  private lost(err: Error) {
    this.failures++
    this.since = null
    if (this.lastError !== err.message) this.deps.log.warn('uplink to the hub broker is down; retrying', { error: err.message })
    this.lastError = err.message
    // After a few failures the broker may have moved: the sync client asks the hub again.
    if (this.failures % 3 === 0) this.deps.onLost?.(err)
    if (!this.running) return
    const delay = Math.min(10_000, 1000 * 2 ** Math.min(this.failures - 1, 4)) * (0.5 + Math.random() * 0.5)
    this.retry = setTimeout(() => void this.connect(), delay)
  }

  private publishStatus(state: 'online' | 'offline') {
    const link = this.link
    if (!link?.connected) return Promise.resolve()
    return link.publish(this.topic('status'), JSON.stringify(this.deps.host.status(state)), { qos: 1, retain: true }).catch(() => {})
  }

  /** The latest sample per source of each stream, at most once per stream's live period. */
  private live(samples: Sample[]) {
    const link = this.link
    if (!link?.connected) return
    const now = Date.now()
    const latest = new Map<string, Sample>()
    for (const s of samples) {
      const last = this.lastLive.get(s.stream) ?? 0
      if (now - last < LIVE_PERIOD_MS[s.stream]) continue
      latest.set(`${s.stream}|${s.source ?? ''}`, s)
    }
    if (latest.size === 0) return
    for (const s of latest.values()) this.lastLive.set(s.stream, now)
    this.counters.live_sent++
    void link.publish(this.topic('live'), encodeLive(this.deps.host.robotId, [...latest.values()])).catch(() => {})
  }

  private onMessage(topic: string, payload: Buffer) {
    if (topic === this.topic('sync')) return this.deps.host.pullDown()
    if (topic !== this.topic('command/request')) return
    let req: Record<string, unknown>
    try {
      const v = JSON.parse(payload.toString('utf8'))
      if (!isObj(v)) throw new Error('not an object')
      req = v
    } catch {
      return this.deps.log.warn('hub command request is not a JSON object: dropped')
    }
    const { id, by, issued_at, ttl_ms, ...body } = req
    const cmdId = typeof id === 'string' ? id : undefined
    const user = `hub:${typeof by === 'string' ? by.slice(0, 64) : 'unknown'}`
    this.counters.commands++
    const offset = this.deps.host.hubClockOffsetMs()
    const ttl = typeof ttl_ms === 'number' ? Math.min(ttl_ms, COMMAND_TTL_MS) : COMMAND_TTL_MS
    if (typeof issued_at === 'number' && offset !== null && Date.now() + offset - issued_at > ttl && body.type !== 'estop') {
      return this.respond({
        id: cmdId ?? 'unknown',
        type: String(body.type ?? 'unknown'),
        state: 'rejected',
        reason: `the request is ${Math.round((Date.now() + offset - issued_at) / 1000)} s old: a command is never run late`,
        ts: Date.now(),
      })
    }
    if (cmdId) this.rememberHubCommand(cmdId)
    const out = this.deps.host.submit(body, cmdId, user)
    // Accepted now, or rejected now; done or failed follows from the command's events.
    this.respond(out)
  }

  private rememberHubCommand(id: string) {
    const now = Date.now()
    this.fromHub.set(id, now)
    if (this.fromHub.size > 1000) for (const [k, t] of this.fromHub) if (now - t > 600_000 || this.fromHub.size > 1000) this.fromHub.delete(k)
  }

  /** The final outcome of a hub command (accepted and rejected were answered at submission). */
  private outcome(o: CommandOutcomeLike) {
    if (!this.fromHub.has(o.id) || (o.state !== 'done' && o.state !== 'failed')) return
    this.fromHub.delete(o.id)
    this.respond(o)
  }

  private respond(o: CommandOutcomeLike) {
    void this.link?.publish(this.topic('command/response'), JSON.stringify(o), { qos: 1 }).catch(() => {})
  }

  status(): UplinkStatus {
    return {
      connected: !!this.link?.connected && this.since !== null,
      broker: this.broker?.url ?? null,
      since: this.since,
      last_error: this.lastError,
      ...this.counters,
    }
  }

  /** Says offline (retained) and leaves cleanly, so the broker does not also send the will. */
  async stop() {
    this.running = false
    if (this.retry) clearTimeout(this.retry)
    this.unlisten?.()
    const link = this.link
    if (link?.connected) {
      await Promise.race([this.publishStatus('offline'), Bun.sleep(2000)])
      link.close(true)
    } else link?.close()
  }
}
