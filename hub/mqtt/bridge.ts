// The hub on the fleet's broker: everything robots publish (our topic tree and, through the
// one legacy adapter, the earlier layout) goes to InfluxDB with the robot's own timestamps
// and to Postgres; online/offline comes from retained status, last wills and a heartbeat
// timeout; commands go out and their replies come back. Nothing malformed crashes it.
//
// Mosquitto does not say who published a message, only the topic, and its ACL lets a robot's
// credential write only under its own id: so the robot is always the one its topic names. A
// reply completes a command only when it comes on the topic of the robot the command went to,
// and the earlier layout's shared topics (`tonypi/battery`, `tonypi/location`,
// `tonypi/commands/response`), which name their robot only in the payload, are refused by the
// ACL to robots and ignored here: a payload never decides which robot a message is about.
import mqtt from 'mqtt'
import { decodeJobEvent, JobEventError } from '../../core/job-event.ts'
import { adaptLegacyMessage, LegacyMessageError, type LegacyRecord } from '../../core/legacy.ts'
import { LegacyImuAssembler } from '../../core/legacy-imu.ts'
import { LegacyStatusTransitions, toLegacyCommand } from '../../core/legacy-mapping.ts'
import type { Logger } from '../../core/log.ts'
import type { Command } from '../../core/schemas.ts'
import type { Sample } from '../../core/streams.ts'
import { decodeTelemetry, TelemetryPayloadError } from '../../core/telemetry-payload.ts'
import { parseTopic } from '../../core/topics.ts'
import { decodeLive, LivePayloadError } from '../../sync/live-payload.ts'
import type { RobotRepo } from '../robots/robot-repo.ts'

export interface SampleSink {
  write(robotId: string, samples: Sample[]): void
}

export interface BridgeRecords {
  log(rec: { robotId: string; level: string; category: string; message: string; details?: unknown; ts: number }): Promise<void>
  job(rec: Extract<LegacyRecord, { kind: 'job' }>): Promise<void>
}

export interface CommandReply {
  id: string
  state: string
  reason?: string
  ts?: number
  [k: string]: unknown
}

type Waiter = (reply: CommandReply) => void

/** The earlier layout's topics shared by every robot: the payload is all that names the robot. */
export const LEGACY_SHARED_TOPICS = ['tonypi/battery', 'tonypi/location', 'tonypi/commands/response'] as const

/** A waiter per (robot, command id): a reply from one robot cannot complete another's command. */
const waiterKey = (robotId: string, id: string) => `${robotId}\0${id}`

export class MqttBridge {
  private client: mqtt.MqttClient | null = null
  private known = new Set<string>()
  private lastSeen = new Map<string, number>()
  private online = new Set<string>()
  private waiters = new Map<string, Waiter>()
  private timers: ReturnType<typeof setInterval>[] = []
  readonly dropped = new Map<string, number>()
  readonly counters = { messages: 0, samples: 0, legacy: 0 }
  private logged = 0
  private logWindow = 0

  constructor(private readonly deps: {
    url: string; username: string; password: string; robots: RobotRepo; sink: SampleSink; records: BridgeRecords
    /** Default tonypi-hub-<pid>; two bridges in one process need different ones. */
    clientId?: string
    log: Logger; offlineAfterMs: number; onEvent?: (robotId: string, event: string, data: Record<string, unknown>) => void
    /** A synced robot's reduced-rate view (`live`): shown, not stored (its history comes in sync batches). */
    onLive?: (robotId: string, samples: Sample[]) => void
    /** A command published in the earlier layout (for the listener of its unchanged clients, hub/mqtt/legacy-listener.ts). */
    onLegacyCommand?: (topic: string, payload: Buffer) => void
    /** Robots on that listener: their replies come back as outcomes, so a command to one waits for it. */
    answersInOurLayout?: (robotId: string) => boolean
  }) {}

  private readonly imu = new LegacyImuAssembler()
  private readonly transitions = new LegacyStatusTransitions()

  async start() {
    await this.refreshRobots()
    // Robots the table still calls online (the hub stopped while they were) are on the clock
    // from now: one that never speaks again is marked offline after the heartbeat timeout.
    const now = Date.now()
    for (const r of await this.deps.robots.list()) {
      if (r.revokedAt || (r.status !== 'online' && r.status !== 'emergency_stopped') || this.lastSeen.has(r.robotId)) continue
      this.online.add(r.robotId)
      this.lastSeen.set(r.robotId, now)
    }
    const client = mqtt.connect(this.deps.url, {
      username: this.deps.username, password: this.deps.password, clientId: this.deps.clientId ?? `tonypi-hub-${process.pid}`, reconnectPeriod: 2000, clean: true,
    })
    this.client = client
    client.on('message', (topic, payload, packet) => this.enqueue(topic, payload, packet.retain))
    client.on('error', (err) => this.deps.log.warn('broker connection error', { error: err }))
    client.on('connect', () => {
      this.deps.log.info('connected to the broker', { url: this.deps.url })
      client.subscribe(['tonypi/#'], { qos: 0 })
    })
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`cannot reach the broker at ${this.deps.url}`)), 10_000)
      client.once('connect', () => { clearTimeout(t); resolve() })
    })
    this.timers.push(setInterval(() => void this.checkOffline(), 1000))
    this.timers.push(setInterval(() => void this.refreshRobots(), 10_000))
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  /** Called when robots are added or removed, so messages of a new robot are not dropped. */
  async refreshRobots() {
    this.known = new Set((await this.deps.robots.list()).filter((r) => !r.revokedAt).map((r) => r.robotId))
  }

  isOnline(robotId: string) {
    return this.online.has(robotId)
  }

  private drop(reason: string, topic: string) {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
    const now = Date.now()
    if (now - this.logWindow > 60_000) { this.logWindow = now; this.logged = 0 }
    if (this.logged++ < 20) this.deps.log.warn('mqtt message dropped', { topic: topic.slice(0, 200), reason })
  }

  private seen(robotId: string, legacy = false) {
    const now = Date.now()
    const first = !this.lastSeen.has(robotId)
    this.lastSeen.set(robotId, now)
    if (!this.online.has(robotId)) {
      this.online.add(robotId)
      void this.deps.robots.setStatus(robotId, 'online', first ? 'first message' : 'messages again', new Date(now), legacy ? { legacy } : {})
    } else if (legacy && first) {
      void this.deps.robots.touch(robotId, new Date(now), true)
    }
  }

  private async checkOffline() {
    const now = Date.now()
    for (const [id, at] of this.lastSeen) {
      if (this.online.has(id) && now - at > this.deps.offlineAfterMs) {
        this.online.delete(id)
        await this.deps.robots.setStatus(id, 'offline', `silent for ${Math.round((now - at) / 1000)} s`, new Date(at))
        await this.deps.records.log({ robotId: id, level: 'warn', category: 'robot', message: `robot ${id} went offline (no message for ${Math.round((now - at) / 1000)} s)`, ts: now })
      }
    }
  }

  /**
   * Messages are handled in arrival order per topic's robot: a job's "started" must be
   * written before its "completed" is applied, or a lifecycle turns into two jobs.
   */
  private chains = new Map<string, Promise<void>>()
  private enqueue(topic: string, payload: Buffer, retained: boolean) {
    const key = topic.split('/').slice(0, 3).join('/')
    const prev = this.chains.get(key) ?? Promise.resolve()
    const next = prev.then(() => this.onMessage(topic, payload, retained))
    this.chains.set(key, next)
    void next.finally(() => { if (this.chains.get(key) === next) this.chains.delete(key) })
  }

  private async onMessage(topic: string, payload: Buffer, retained: boolean) {
    this.counters.messages++
    const t = parseTopic(topic)
    if (t.kind === 'unknown' || t.kind === 'system') return
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      return this.drop('payload is not valid JSON', topic)
    }
    try {
      if (t.kind === 'robot') await this.onRobotTopic(t.robotId, t.channel, body, retained, topic)
      else await this.onLegacy(topic, body, payload)
    } catch (err) {
      if (err instanceof TelemetryPayloadError || err instanceof LegacyMessageError || err instanceof JobEventError || err instanceof LivePayloadError) return this.drop(err.message, topic)
      this.deps.log.error('handling a message failed', { topic, error: err as Error })
    }
  }

  private async onRobotTopic(robotId: string, channel: string, body: unknown, retained: boolean, topic: string) {
    if (!this.known.has(robotId)) return this.drop(`robot ${robotId} is not registered`, topic)
    switch (channel) {
      case 'servos': case 'imu': case 'battery': case 'performance': case 'sensors': {
        const samples = decodeTelemetry(channel, body)
        this.deps.sink.write(robotId, samples)
        this.counters.samples += samples.length
        return this.seen(robotId)
      }
      case 'status': {
        const b = body as { status?: unknown; profile?: unknown; ts?: unknown }
        const status = b.status === 'online' || b.status === 'offline' || b.status === 'emergency_stopped' ? b.status : null
        if (!status) throw new TelemetryPayloadError(`unknown status ${JSON.stringify(b.status)}`)
        const at = typeof b.ts === 'number' ? new Date(b.ts) : new Date()
        this.deps.onEvent?.(robotId, 'status', b as Record<string, unknown>)
        if (status === 'offline') {
          this.online.delete(robotId)
          this.lastSeen.delete(robotId)
          return this.deps.robots.setStatus(robotId, 'offline', retained ? 'retained offline status (clean stop or last will)' : 'offline status (clean stop or last will)', at)
        }
        // A retained "online" only says what the robot last claimed: the heartbeat decides.
        if (retained) return
        this.online.add(robotId)
        this.lastSeen.set(robotId, Date.now())
        // A status in our layout: the robot speaks it now (a robot moved off the earlier client).
        return this.deps.robots.setStatus(robotId, status, 'status message', at, { legacy: false, ...(typeof b.profile === 'string' ? { profile: b.profile } : {}) })
      }
      case 'job': {
        // The same record as the legacy `tonypi/job/{id}`, so one lifecycle applies. The
        // payload's job_id is the edge's own and means nothing in the hub's table: reports are
        // matched by task name to the robot's open run, as the earlier client's (no id) are.
        const { record } = decodeJobEvent(robotId, body, Date.now())
        await this.deps.records.job(record)
        return this.seen(robotId)
      }
      case 'live':
        this.deps.onLive?.(robotId, decodeLive(robotId, body))
        return this.seen(robotId)
      // What the hub itself sends a robot says nothing about whether the robot is there.
      case 'sync': case 'command/request':
        return
      case 'command/response': {
        const r = body as CommandReply
        if (typeof r.id === 'string') this.waiters.get(waiterKey(robotId, r.id))?.(r)
        this.deps.onEvent?.(robotId, 'command', r as Record<string, unknown>)
        return this.seen(robotId)
      }
      case 'command/request':
        return // the hub's own (or an operator's) command: not a sign of life from the robot
      default:
        return this.seen(robotId)
    }
  }

  private async onLegacy(topic: string, body: unknown, raw: Buffer) {
    if ((LEGACY_SHARED_TOPICS as readonly string[]).includes(topic)) {
      return this.drop(`${topic} names its robot only in the payload; a robot publishes under its own id (tonypi/<id>/...)`, topic)
    }
    const rec = adaptLegacyMessage(topic, body, Date.now())
    if (!rec) return
    // Our own (or an operator's) commands to robots on the earlier layout: the listener of its
    // unchanged clients hands them to those connected there.
    if (rec.kind === 'command') return this.deps.onLegacyCommand?.(topic, raw)
    if (!this.known.has(rec.robotId)) return this.drop(`robot ${rec.robotId} is not registered`, topic)
    this.counters.legacy++
    const write = (samples: Sample[]) => {
      this.deps.sink.write(rec.robotId, samples)
      this.counters.samples += samples.length
    }
    switch (rec.kind) {
      case 'samples': write(rec.samples); break
      case 'imu_axis': {
        const reading = this.imu.add(rec.robotId, rec.axis, rec.value, rec.ts)
        if (reading) write([reading])
        break
      }
      case 'status': {
        this.imu.noteHardware(rec.robotId, rec.info.hardware_available)
        write(rec.samples)
        // Its client repeats its status every 10 s: the log gets a line when it says something new.
        const change = this.transitions.note(rec.robotId, rec)
        if (change) await this.deps.records.log({ robotId: rec.robotId, level: change.level, category: 'robot', message: change.message, details: { status: rec.status, ...rec.info }, ts: rec.ts })
        if (rec.status === 'offline') {
          this.online.delete(rec.robotId)
          this.lastSeen.delete(rec.robotId)
          this.transitions.forget(rec.robotId)
          await this.deps.robots.setStatus(rec.robotId, 'offline', 'legacy offline status', new Date(rec.ts), { legacy: true })
          return
        }
        this.online.add(rec.robotId)
        await this.deps.robots.setStatus(rec.robotId, rec.status, 'legacy status message', new Date(rec.ts), { legacy: true, info: rec.info })
        break
      }
      case 'log':
        await this.deps.records.log({ robotId: rec.robotId, level: rec.level, category: 'robot', message: rec.message, details: { source: rec.source, ts_trusted: rec.tsTrusted }, ts: rec.ts })
        break
      case 'job':
        await this.deps.records.job(rec)
        break
      case 'command_response': case 'unused':
        break // replies only on the shared topics, refused above; vision results are not kept
    }
    this.seen(rec.robotId, true)
  }

  /**
   * Publishes a command and waits for the robot's reply on its own topic: the final one (done,
   * rejected, failed) when it comes in time, else the last seen (accepted), else a timeout. A
   * robot seen speaking the earlier layout gets it in that layout's words (core/legacy-mapping.ts;
   * what it has no words for is rejected at once). An e-stop goes out in both layouts, whatever
   * the robot was last seen speaking. An earlier client on the hub's listener of unchanged
   * clients has its replies relayed as outcomes and is waited for like any robot; one elsewhere
   * answers only on a shared topic the hub cannot attribute: sent, not waited for (`sent`).
   */
  async command(robotId: string, id: string, command: Command, legacy: boolean, timeoutMs: number, by = 'unknown'): Promise<CommandReply | null> {
    const client = this.client
    if (!client?.connected) throw new Error('the hub is not connected to the broker')
    const estop = command.type === 'estop'
    const inTheirWords = legacy || estop ? toLegacyCommand(robotId, id, command) : null
    if (legacy && inTheirWords && 'refused' in inTheirWords) return { id, state: 'rejected', reason: inTheirWords.refused }
    const answers = !legacy || (this.deps.answersInOurLayout?.(robotId) ?? false)
    const key = waiterKey(robotId, id)
    let last: CommandReply | null = null
    const result = new Promise<CommandReply | null>((resolve) => {
      if (!answers) return resolve(null)
      const timer = setTimeout(() => { this.waiters.delete(key); resolve(last) }, timeoutMs)
      this.waiters.set(key, (r) => {
        last = r
        if (r.state !== 'accepted') { clearTimeout(timer); this.waiters.delete(key); resolve(r) }
      })
    })
    if (inTheirWords && !('refused' in inTheirWords)) client.publish(inTheirWords.topic, JSON.stringify(inTheirWords.payload))
    // Who asked, and when by the hub's clock: the robot audits the user and refuses a request
    // that arrives later than its time to live (sync/uplink.ts), so nothing ever runs late.
    if (!legacy || estop) client.publish(`tonypi/${robotId}/command/request`, JSON.stringify({ ...command, id, by, issued_at: Date.now(), ttl_ms: timeoutMs }))
    if (!answers) return { id, state: 'sent', reason: 'the earlier client answers on a shared topic the hub cannot attribute to a robot: sent, not confirmed' }
    return result
  }

  /** Publishes on the fleet broker (alerts on tonypi/system/alerts, for one); refuses when disconnected. */
  async publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const client = this.client
    if (!client?.connected) throw new Error('the hub is not connected to the broker')
    await new Promise<void>((resolve, reject) => client.publish(topic, payload, { qos: opts.qos ?? 0, retain: opts.retain ?? false }, (err) => (err ? reject(err) : resolve())))
  }

  async stop() {
    for (const t of this.timers) clearInterval(t)
    await new Promise<void>((r) => (this.client ? this.client.end(false, {}, () => r()) : r()))
  }
}
