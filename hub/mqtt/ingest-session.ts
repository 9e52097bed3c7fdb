// What robots publish that the hub stores, taken in sessions the broker keeps when their replica
// goes (clean = false), and acknowledged only once what a message carries is stored: a replica
// killed mid-message leaves it unacknowledged in its session, and the broker sends it again to
// whoever resumes that session. The broker upgrades robots' QoS 0 messages to the subscription's
// QoS 1 for this (hub/mqtt/mosquitto-conf.ts). Two kinds:
//   - each replica's share: a shared subscription ($share/<group>/...), the broker handing each
//     message to one replica of the group; a dead replica's session is resumed by the replica
//     itself after a restart, or adopted by another (hub/mqtt/session-adoption.ts);
//   - messages whose order matters, or that are read against the robot's earlier ones (a job's
//     "started" before its "completed"; the earlier client's IMU reading, sent as six messages,
//     and its status, logged when it changes): the broker shares messages round robin, so two
//     replicas would each see part of them. One session, one client id, which the replica
//     holding the `ordered-ingest` lease connects.
import type { Logger } from '../../core/log.ts'
import { MqttLink, MqttLinkError } from '../../sync/mqtt-link.ts'

export const INGEST_GROUP = 'tonypi-hub'

/** Shared among the replicas: everything stored from MQTT in any order (samples are keyed by time, log lines by their own). */
export const SHARED_INGEST_FILTERS = [
  'tonypi/+/servos',
  'tonypi/+/imu',
  'tonypi/+/battery',
  'tonypi/+/performance',
  'tonypi/+/sensors',
  'tonypi/servos/+',
  'tonypi/logs/+',
  // The earlier layout's shared topics as the hub's listener of its unchanged clients relays them, under their robot's id.
  'tonypi/battery/+',
  'tonypi/location/+',
  'tonypi/scan/+',
].map((f) => `$share/${INGEST_GROUP}/${f}`)

/** In order, by one replica at a time. */
export const ORDERED_INGEST_FILTERS = ['tonypi/+/job', 'tonypi/job/+', 'tonypi/sensors/+', 'tonypi/status/+']
export const ORDERED_INGEST_CLIENT = 'tonypi-hub-ordered'

export interface BrokerAccess {
  url: string
  username: string
  password: string
  ca?: string
}

/** Stores one message; resolves once it is stored (or can never be: a malformed message is dropped). `dup`: the broker may have sent it before. */
export type IngestHandler = (topic: string, payload: Buffer, dup: boolean) => Promise<void>

export class IngestSession {
  private link: MqttLink | null = null
  private running = false
  private retry: ReturnType<typeof setTimeout> | null = null
  private failures = 0
  private inFlight = new Set<Promise<void>>()
  private lastMessageAt = 0
  readonly counters = { messages: 0, resent: 0, failed: 0 }

  constructor(
    private readonly opts: {
      broker: BrokerAccess
      clientId: string
      handle: IngestHandler
      log: Logger
      /** Default the shared filters. */
      filters?: readonly string[]
      /** The will and the birth message: who is alive to the other replicas (retained). */
      presenceTopic?: string
      /** Asked before each connection: false waits (another replica is finishing this session's messages). */
      mayConnect?: () => Promise<boolean>
    },
  ) {}

  private get filters(): readonly string[] {
    return this.opts.filters ?? SHARED_INGEST_FILTERS
  }

  get clientId(): string {
    return this.opts.clientId
  }

  get connected(): boolean {
    return this.link?.connected ?? false
  }

  /** Connects and subscribes; resolves once connected (and keeps reconnecting after). */
  async start(): Promise<void> {
    this.running = true
    await this.connect(true)
  }

  private async connect(first = false): Promise<void> {
    if (!this.running) return
    this.retry = null
    const { broker, clientId, presenceTopic } = this.opts
    if (this.opts.mayConnect && !(await this.opts.mayConnect().catch(() => false))) {
      if (first) this.opts.log.warn('ingest session: another replica is finishing this session; waiting', { client_id: clientId })
      return this.schedule()
    }
    const link = new MqttLink({
      url: broker.url,
      username: broker.username,
      password: broker.password,
      ca: broker.ca,
      clientId,
      clean: false,
      manualAck: true,
      keepaliveS: 10,
      ...(presenceTopic ? { will: { topic: presenceTopic, payload: JSON.stringify({ client_id: clientId, alive: false }), qos: 1, retain: true } } : {}),
    })
    link.onMessage = (topic, payload, meta) => this.take(topic, payload, meta.dup, meta.ack)
    this.link = link
    try {
      await link.connect()
      await link.subscribe([...this.filters], 1)
      if (presenceTopic) await link.publish(presenceTopic, JSON.stringify({ client_id: clientId, alive: true }), { qos: 1, retain: true })
      this.failures = 0
      this.opts.log.info('ingest session up', { client_id: clientId, resumed: link.resumed })
      link.onClose((err) => {
        if (this.link !== link || !this.running) return
        this.opts.log.warn('ingest session lost; reconnecting', { error: err?.message })
        this.schedule()
      })
    } catch (err) {
      link.close()
      if (first) throw err
      this.opts.log.warn('ingest session: cannot connect; retrying', { error: (err as Error).message })
      this.schedule()
    }
  }

  /**
   * Takes over a session its replica left (it died): what the broker kept for it, and what it had
   * been handed and not acknowledged, is stored here; then the session is ended at the broker.
   */
  async adopt(): Promise<number> {
    const before = this.counters.messages
    const link = new MqttLink({
      url: this.opts.broker.url,
      username: this.opts.broker.username,
      password: this.opts.broker.password,
      ca: this.opts.broker.ca,
      clientId: this.opts.clientId,
      clean: false,
      manualAck: true,
      keepaliveS: 10,
    })
    link.onMessage = (topic, payload, meta) => this.take(topic, payload, meta.dup, meta.ack)
    this.link = link
    await link.connect()
    if (link.resumed) {
      // Nothing new is routed to it from here; what it holds arrives and is stored.
      await link.unsubscribe([...this.filters])
      await this.drain()
    }
    if (this.opts.presenceTopic) await link.publish(this.opts.presenceTopic, '', { qos: 1, retain: true })
    link.close(true)
    await endSession(this.opts.broker, this.opts.clientId)
    return this.counters.messages - before
  }

  private schedule() {
    if (!this.running || this.retry) return
    this.failures++
    this.retry = setTimeout(() => void this.connect(), Math.min(5000, 250 * 2 ** Math.min(this.failures, 5)))
  }

  private take(topic: string, payload: Buffer, dup: boolean, ack: () => void) {
    this.counters.messages++
    if (dup) this.counters.resent++
    this.lastMessageAt = Date.now()
    const done = this.opts.handle(topic, payload, dup).then(ack, (err: unknown) => {
      // Not stored: left unacknowledged, so the broker sends it again when the session resumes.
      this.counters.failed++
      this.opts.log.error('ingest: a message was not stored; reconnecting to have it again', { topic: topic.slice(0, 200), error: err as Error })
      this.link?.close()
    })
    this.inFlight.add(done)
    void done.finally(() => this.inFlight.delete(done))
  }

  /** Resolves once nothing has arrived for `quietMs` and everything taken is stored and acknowledged. */
  async drain(quietMs = 300, maxMs = 30_000): Promise<void> {
    const until = Date.now() + maxMs
    for (;;) {
      await Promise.all([...this.inFlight])
      if (Date.now() - this.lastMessageAt >= quietMs && this.inFlight.size === 0) return
      if (Date.now() > until) throw new Error(`ingest session ${this.opts.clientId} still busy after ${maxMs} ms`)
      await Bun.sleep(Math.min(quietMs, 50))
    }
  }

  /**
   * `end`: leaves the group (no more messages come to this session), stores and acknowledges what
   * was handed to it, then ends the session at the broker. Otherwise the session is kept, with
   * what the broker queues for it meanwhile, for the next to connect it: the connection closes
   * and what was taken is stored (what was not acknowledged in time comes again).
   */
  async stop(opts: { end: boolean } = { end: true }): Promise<void> {
    const link = this.link
    if (!opts.end) {
      this.running = false
      if (this.retry) clearTimeout(this.retry)
      link?.close(true)
      await Promise.all([...this.inFlight])
      return
    }
    if (link?.connected) {
      await link.unsubscribe([...this.filters]).catch(() => undefined)
      await this.drain().catch((err: unknown) => this.opts.log.warn('ingest: stopping with messages still being stored', { error: err as Error }))
      if (this.opts.presenceTopic && opts.end) await link.publish(this.opts.presenceTopic, '', { qos: 1, retain: true }).catch(() => undefined)
    }
    this.running = false
    if (this.retry) clearTimeout(this.retry)
    link?.close(true)
    if (opts.end)
      await endSession(this.opts.broker, this.opts.clientId).catch((err: unknown) => {
        if (!(err instanceof MqttLinkError)) throw err
        this.opts.log.warn('ingest: the session could not be ended; the broker drops it after its expiry', {
          client_id: this.opts.clientId,
          error: err.message,
        })
      })
  }
}

/** Ends a kept session: a clean connection under its client id replaces it, and leaves. */
export async function endSession(broker: BrokerAccess, clientId: string): Promise<void> {
  const link = new MqttLink({ url: broker.url, username: broker.username, password: broker.password, ca: broker.ca, clientId, clean: true })
  await link.connect()
  link.close(true)
}
