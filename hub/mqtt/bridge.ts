// The hub on the fleet's broker, as every replica sees it: everything robots publish (our topic
// tree and, through the one legacy adapter, the earlier layout) on a subscription of its own, for
// the fleet's live feed, for who is online (hub/mqtt/presence.ts), and for the replies to the
// commands this replica sent; and the replicas' own messages to each other (`tonypi-hub/...`).
// What is stored comes to one replica only (hub/mqtt/ingest.ts). Nothing malformed crashes it.
//
// Mosquitto does not say who published a message, only the topic, and its ACL lets a robot's
// credential write only under its own id: so the robot is always the one its topic names. A
// reply completes a command only when it comes on the topic of the robot the command went to,
// and the earlier layout's shared topics (`tonypi/battery`, `tonypi/location`,
// `tonypi/commands/response`), which name their robot only in the payload, are refused by the
// ACL to robots and ignored here: a payload never decides which robot a message is about.
import mqtt from 'mqtt'
import type { FeedEvents } from '../../core/events.ts'
import { adaptLegacyMessage } from '../../core/legacy/adapt.ts'
import { LegacyMessageError } from '../../core/legacy/record.ts'
import { LegacyImuAssembler } from '../../core/legacy/imu.ts'
import { toLegacyCommand } from '../../core/legacy/mapping.ts'
import type { Command } from '../../core/schemas.ts'
import type { Logger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { decodeTelemetry, TelemetryPayloadError } from '../../core/telemetry-payload.ts'
import { parseTopic, robotTopic } from '../../core/topics.ts'
import { decodeLive, LivePayloadError } from '../../sync/live-payload.ts'
import type { RobotRegistry } from '../robots/robot-registry.ts'
import { DropCounter } from './drops.ts'
import type { Presence } from './presence.ts'

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

/** The replicas' own topics: the hub's broker account alone may use them (hub/mqtt/mosquitto-auth.ts). */
export const CLUSTER_ROOT = 'tonypi-hub'

/** A waiter per (robot, command id): a reply from one robot cannot complete another's command. */
const waiterKey = (robotId: string, id: string) => `${robotId}\0${id}`

const TELEMETRY = new Set(['servos', 'imu', 'battery', 'performance', 'sensors'])

export interface FleetView {
  apply(robotId: string, samples: Sample[]): void
  event(robotId: string, event: string, data: Record<string, unknown>): void
}

export class MqttBridge {
  private client: mqtt.MqttClient | null = null
  private waiters = new Map<string, Waiter>()
  readonly drops: DropCounter
  readonly counters = { messages: 0, legacy: 0 }

  constructor(
    private readonly deps: {
      url: string
      username: string
      password: string
      /** The CA the broker's certificate must chain to (mqtts://). */
      ca?: string
      registry: RobotRegistry
      presence: Presence
      live: FleetView
      /** Default tonypi-hub-<pid>; two bridges in one process need different ones. */
      clientId?: string
      log: Logger
      /** A message on the replicas' own topics. */
      onCluster?: (topic: string, payload: Buffer) => void
      drops?: DropCounter
      /** A command published in the earlier layout (for the listener of its unchanged clients, hub/mqtt/legacy-listener.ts). */
      onLegacyCommand?: (topic: string, payload: Buffer) => void
      /** Robots on that listener: their replies come back as outcomes, so a command to one waits for it. */
      answersInOurLayout?: (robotId: string) => boolean
    },
  ) {
    this.drops = deps.drops ?? new DropCounter(deps.log)
  }

  /** Dropped messages by reason (this replica's view, and its share of the ingest). */
  get dropped(): Map<string, number> {
    return this.drops.byReason
  }

  async start() {
    await this.deps.registry.refresh()
    const client = mqtt.connect(this.deps.url, {
      username: this.deps.username,
      password: this.deps.password,
      clientId: this.deps.clientId ?? `tonypi-hub-${process.pid}`,
      reconnectPeriod: 2000,
      clean: true,
      ...(this.deps.ca ? { ca: this.deps.ca } : {}),
    })
    this.client = client
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain))
    client.on('error', (err) => this.deps.log.warn('broker connection error', { error: err }))
    client.on('connect', () => {
      this.deps.log.info('connected to the broker', { url: this.deps.url })
      client.subscribe({ 'tonypi/#': { qos: 0 }, [`${CLUSTER_ROOT}/#`]: { qos: 1 } })
    })
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`cannot reach the broker at ${this.deps.url}`)), 10_000)
      client.once('connect', () => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  /** Called when robots are added or removed, so messages of a new robot are not dropped. */
  refreshRobots() {
    return this.deps.registry.refresh()
  }

  isOnline(robotId: string) {
    return this.deps.presence.isOnline(robotId)
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean) {
    if (topic.startsWith(`${CLUSTER_ROOT}/`)) return this.deps.onCluster?.(topic, payload)
    this.counters.messages++
    void this.view(topic, payload, retained).catch((err: unknown) => this.deps.log.error('handling a message failed', { topic, error: err as Error }))
  }

  private async view(topic: string, payload: Buffer, retained: boolean) {
    const t = parseTopic(topic)
    if (t.kind === 'unknown' || t.kind === 'system') return
    // What the ingest stores is counted there when it is bad; here it is only not shown.
    const stored = t.kind === 'robot' ? TELEMETRY.has(t.channel) || t.channel === 'job' : !(LEGACY_SHARED_TOPICS as readonly string[]).includes(topic)
    const drop = (reason: string) => (stored ? undefined : this.drops.drop(reason, topic))
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      return drop('payload is not valid JSON')
    }
    try {
      if (t.kind === 'robot') {
        if (!(await this.deps.registry.isKnown(t.robotId))) return drop(`robot ${t.robotId} is not registered`)
        await this.robotTopic(t.robotId, t.channel, body, retained)
      } else await this.legacy(topic, body, payload, drop)
    } catch (err) {
      if (err instanceof TelemetryPayloadError || err instanceof LegacyMessageError || err instanceof LivePayloadError) return drop(err.message)
      throw err
    }
  }

  private async robotTopic(robotId: string, channel: string, body: unknown, retained: boolean) {
    const { presence, live } = this.deps
    if (TELEMETRY.has(channel)) {
      live.apply(robotId, decodeTelemetry(channel as 'servos', body))
      return presence.seen(robotId)
    }
    switch (channel) {
      case 'status': {
        const b = body as { status?: unknown; profile?: unknown; ts?: unknown }
        const status = b.status === 'online' || b.status === 'offline' || b.status === 'emergency_stopped' ? b.status : null
        if (!status) throw new TelemetryPayloadError(`unknown status ${JSON.stringify(b.status)}`)
        const at = typeof b.ts === 'number' ? new Date(b.ts) : new Date()
        live.event(robotId, 'status', b as FeedEvents['status'])
        if (status === 'offline') {
          return presence.status(
            robotId,
            'offline',
            retained ? 'retained offline status (clean stop or last will)' : 'offline status (clean stop or last will)',
            at,
          )
        }
        // A retained "online" only says what the robot last claimed: the heartbeat decides.
        if (retained) return
        // A status in our layout: the robot speaks it now (a robot moved off the earlier client).
        return presence.status(robotId, status, 'status message', at, { legacy: false, ...(typeof b.profile === 'string' ? { profile: b.profile } : {}) })
      }
      case 'live':
        live.apply(robotId, decodeLive(robotId, body))
        return presence.seen(robotId)
      // What the hub itself sends a robot says nothing about whether the robot is there.
      case 'sync':
      case 'command/request':
        return
      case 'command/response': {
        const r = body as CommandReply
        if (typeof r.id === 'string') this.waiters.get(waiterKey(robotId, r.id))?.(r)
        live.event(robotId, 'command', r as FeedEvents['command'])
        return presence.seen(robotId)
      }
      default:
        return presence.seen(robotId)
    }
  }

  /** Attitude from the earlier client's one-axis IMU messages, for the live view (the ingest keeps its own for storage). */
  private readonly imu = new LegacyImuAssembler()

  private async legacy(topic: string, body: unknown, raw: Buffer, drop: (reason: string) => void) {
    if ((LEGACY_SHARED_TOPICS as readonly string[]).includes(topic)) {
      return drop(`${topic} names its robot only in the payload; a robot publishes under its own id (tonypi/<id>/...)`)
    }
    const rec = adaptLegacyMessage(topic, body, Date.now())
    if (!rec || rec.kind === 'command_response') return
    // Our own (or an operator's) commands to robots on the earlier layout: the listener of its
    // unchanged clients hands them to those connected there.
    if (rec.kind === 'command') return this.deps.onLegacyCommand?.(topic, raw)
    if (!(await this.deps.registry.isKnown(rec.robotId))) return drop(`robot ${rec.robotId} is not registered`)
    this.counters.legacy++
    const { presence, live } = this.deps
    if (rec.kind === 'samples' || rec.kind === 'status') live.apply(rec.robotId, rec.samples)
    if (rec.kind === 'imu_axis') {
      const reading = this.imu.add(rec.robotId, rec.axis, rec.value, rec.ts)
      if (reading) live.apply(rec.robotId, [reading])
    }
    if (rec.kind === 'status') {
      this.imu.noteHardware(rec.robotId, rec.info.hardware_available)
      if (rec.status === 'offline') return presence.status(rec.robotId, 'offline', 'legacy offline status', new Date(rec.ts), { legacy: true })
      await presence.status(rec.robotId, rec.status, 'legacy status message', new Date(rec.ts), { legacy: true, info: rec.info })
    }
    presence.seen(rec.robotId, true)
  }

  /**
   * Publishes a command and waits for the robot's reply on its own topic: the final one (done,
   * rejected, failed) when it comes in time, else the last seen (accepted), else a timeout. A
   * robot seen speaking the earlier layout gets it in that layout's words (core/legacy/mapping.ts;
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
      const timer = setTimeout(() => {
        this.waiters.delete(key)
        resolve(last)
      }, timeoutMs)
      this.waiters.set(key, (r) => {
        last = r
        if (r.state !== 'accepted') {
          clearTimeout(timer)
          this.waiters.delete(key)
          resolve(r)
        }
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
    await new Promise<void>((resolve, reject) =>
      client.publish(topic, payload, { qos: opts.qos ?? 0, retain: opts.retain ?? false }, (err) => (err ? reject(err) : resolve())),
    )
  }

  /** Asks a robot to pull what flows down now rather than at its next poll; a robot offline pulls when it connects. */
  askToPull(robotId: string): Promise<void> {
    return this.publish(robotTopic(robotId, 'sync'), '{"pull":true}').catch(() => {})
  }

  async stop() {
    await new Promise<void>((r) => (this.client ? this.client.end(false, {}, () => r()) : r()))
  }
}
