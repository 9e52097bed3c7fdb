// The hub's opt-in listener for robots still running the earlier Python client unchanged. That
// client has no credentials (robot_client/tonypi_client.py connects with client_id = robot_id
// and nothing else), so the fleet's Mosquitto, which refuses anonymous clients, cannot take it.
// This listener, off unless TONYPI_HUB_LEGACY_MQTT_PORT is set, on a port of its own:
// - admits only the robot ids the operator lists, by the client id it connects with;
// - lets each publish only its own earlier-layout topics; the layout's shared topics
//   (`tonypi/battery`, `tonypi/location`, the replies) are taken only with the connection's own
//   robot_id in the payload, so they are attributed by connection, never by payload alone;
// - lets each subscribe to its own command topics (and the broadcast ones) and nothing else;
// - relays what they send to the fleet broker under their own id, so the bridge takes it
//   through the one legacy adapter as it takes every robot's messages, and their replies as
//   command outcomes on `tonypi/<id>/command/response` (core/legacy/mapping.ts);
// - hands them the commands published for them on the fleet broker;
// - says offline for a robot whose connection drops (its client has no last will).
// It is in the hub process and not in Mosquitto: Mosquitto's ACL cannot tie an anonymous
// connection to one robot id (every anonymous client gets the same rules), cannot refuse a
// connection by its client id, cannot attribute the shared topics, and anonymous access on one
// listener alone needs `per_listener_settings true`, which changes how every other listener is
// configured. These robots are not authenticated: anyone who reaches the port can speak as one
// of them. The hub says so in its log and on the fleet dashboard.
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes'
import net from 'node:net'
import { adaptLegacyMessage } from '../../core/legacy/adapt.ts'
import { isLegacyCommand, isLegacyReply, legacyTopicOf } from '../../core/legacy/topics.ts'
import { LegacyMessageError } from '../../core/legacy/record.ts'
import { outcomeOfLegacyReply } from '../../core/legacy/mapping.ts'
import type { Logger } from '../../core/log.ts'
import { parseTopic, robotTopic } from '../../core/topics.ts'
import { guardedSocket } from '../../server/mqtt-packet-guard.ts'

/** Its per-robot topics: `tonypi/<root>/<its id>`. */
const OWN_ROOTS = new Set(['sensors', 'servos', 'status', 'logs', 'job', 'vision', 'scan'])
/** Its shared topics, named by the robot only in the payload, and where they go on the fleet broker. */
const SHARED: Record<string, (id: string) => string | null> = {
  'tonypi/battery': (id) => `tonypi/battery/${id}`,
  'tonypi/location': (id) => `tonypi/location/${id}`,
  // Replies become our layout's command outcomes (see relayReply).
  'tonypi/commands/response': () => null,
  'tonypi/emergency_stop/response': () => null,
}

export interface LegacyListenerOptions {
  host: string
  port: number
  /** The robot ids it admits. */
  robots: readonly string[]
  /** Publishes on the fleet broker as the hub (hub/mqtt/bridge.ts publish). */
  relay(topic: string, payload: string): Promise<void>
  log: Logger
}

function refusal(code: 2 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError
}

const addrOf = (c: Client) => (c.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown'

export class LegacyListener {
  readonly admitted: ReadonlySet<string>
  readonly counters = { refused_connections: 0, refused_publishes: 0, refused_subscriptions: 0, relayed: 0, commands_delivered: 0 }
  private aedes: Aedes | null = null
  private server: net.Server | null = null
  private connected = new Set<string>()
  /** (robot, command id) of the latest replies relayed: its emergency stop is answered on two topics. */
  private answered = new Set<string>()

  constructor(private readonly o: LegacyListenerOptions) {
    this.admitted = new Set(o.robots)
  }

  isConnected(robotId: string): boolean {
    return this.connected.has(robotId)
  }

  async start(): Promise<number> {
    const { log } = this.o
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const refuse = (code: 2 | 4 | 5, why: string) => {
          this.counters.refused_connections++
          log.warn('earlier-client listener: connection refused', { client: client.id?.slice(0, 64), addr: addrOf(client), reason: why })
          done(refusal(code, why), false)
        }
        if (username || password)
          return refuse(4, 'this listener is for the earlier client, which sends no credentials; robots with a credential use the fleet broker')
        if (!this.admitted.has(client.id))
          return refuse(2, `robot id ${JSON.stringify(client.id.slice(0, 64))} is not admitted on this listener (TONYPI_HUB_LEGACY_ROBOTS)`)
        done(null, true)
      },
      authorizePublish: (client, packet, cb) => {
        const why = client ? this.publishRefusal(client.id, packet) : null
        if (!why) return cb(null)
        this.counters.refused_publishes++
        log.warn('earlier-client listener: publish refused', { client: client?.id, topic: packet.topic.slice(0, 200), reason: why })
        cb(new Error(why))
      },
      authorizeSubscribe: (client, sub, cb) => {
        const id = client.id
        const own = [`tonypi/commands/${id}`, 'tonypi/commands/broadcast', `tonypi/emergency_stop/${id}`, 'tonypi/emergency_stop/broadcast']
        if (own.includes(sub.topic)) return cb(null, sub)
        this.counters.refused_subscriptions++
        log.info('earlier-client listener: subscription refused', { client: id, filter: sub.topic.slice(0, 200), reason: 'only its own command topics' })
        cb(null, null)
      },
    })
    aedes.on('publish', (packet, client) => {
      if (client) void this.relay(client.id, packet)
    })
    aedes.on('clientReady', (c) => {
      this.connected.add(c.id)
      log.info('earlier-client listener: robot connected (not authenticated)', { robot_id: c.id, addr: addrOf(c) })
    })
    aedes.on('clientDisconnect', (c) => {
      if (!this.connected.delete(c.id)) return
      // Its client has no last will: the hub hears at once that it went, clean exit or not.
      void this.o.relay(`tonypi/status/${c.id}`, JSON.stringify({ robot_id: c.id, status: 'offline', timestamp: new Date().toISOString() })).catch(() => {})
      log.info('earlier-client listener: robot disconnected', { robot_id: c.id })
    })
    this.aedes = aedes
    const server = net.createServer((socket) =>
      aedes.handle(
        guardedSocket(socket, (why) => log.warn('earlier-client listener: connection closed, packet too large', { addr: socket.remoteAddress, reason: why })),
      ),
    )
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.o.port, this.o.host, () => resolve())
    })
    const port = (server.address() as net.AddressInfo).port
    log.warn('listener for the earlier Python client is open: these robots are NOT authenticated (anyone reaching the port can speak as them)', {
      host: this.o.host,
      port,
      robots: [...this.admitted],
    })
    return port
  }

  /** Why `robotId`'s connection may not publish this, or null. */
  private publishRefusal(robotId: string, packet: { topic: string; payload: Buffer | string }): string | null {
    const t = parseTopic(packet.topic)
    if (t.kind !== 'legacy') return `only the earlier layout's topics are taken here, not ${packet.topic.slice(0, 120)}`
    if (t.robotId !== undefined && OWN_ROOTS.has(t.root)) return t.robotId === robotId ? null : `topic is for robot ${t.robotId}; this connection is ${robotId}`
    if (!(packet.topic in SHARED)) return `${packet.topic.slice(0, 120)} is not a topic its client publishes`
    let id: unknown
    try {
      id = (JSON.parse(Buffer.from(packet.payload).toString('utf8')) as { robot_id?: unknown }).robot_id
    } catch {
      return 'payload is not JSON'
    }
    return id === robotId ? null : `a message on ${packet.topic} names robot ${JSON.stringify(id)}; this connection is ${robotId}`
  }

  private async relay(robotId: string, packet: AedesPublishPacket) {
    const text = Buffer.from(packet.payload).toString('utf8')
    try {
      if (isLegacyReply(legacyTopicOf(packet.topic))) return await this.relayReply(robotId, packet.topic, text)
      const shared = SHARED[packet.topic]
      const topic = shared ? shared(robotId) : packet.topic
      if (!topic) return
      await this.o.relay(topic, text)
      this.counters.relayed++
    } catch (err) {
      this.o.log.warn('earlier-client listener: message not relayed', { robot_id: robotId, topic: packet.topic, error: (err as Error).message })
    }
  }

  /** Its answer, as the outcome of the command in our layout, once per command. */
  private async relayReply(robotId: string, topic: string, text: string) {
    let rec
    try {
      rec = adaptLegacyMessage(topic, JSON.parse(text), Date.now())
    } catch (err) {
      if (err instanceof LegacyMessageError || err instanceof SyntaxError)
        return this.o.log.info('earlier-client listener: reply not understood', { robot_id: robotId, reason: err.message })
      throw err
    }
    if (rec?.kind !== 'command_response' || rec.commandId === null) return
    const key = `${robotId}\0${rec.commandId}`
    if (this.answered.has(key)) return
    this.answered.add(key)
    if (this.answered.size > 200) this.answered.delete(this.answered.values().next().value!)
    const out = outcomeOfLegacyReply(rec)
    await this.o.relay(robotTopic(robotId, 'command/response'), JSON.stringify({ id: rec.commandId, state: out.state, reason: out.reason, ts: rec.ts }))
    this.counters.relayed++
  }

  /** A message the fleet broker carries on a command topic: handed to the robots it is for that are here. */
  deliver(topic: string, payload: Buffer) {
    const aedes = this.aedes
    const t = legacyTopicOf(topic)
    if (!aedes || !isLegacyCommand(t) || t.robotId === undefined) return
    if (t.robotId !== 'broadcast' && !this.connected.has(t.robotId)) return
    this.counters.commands_delivered++
    aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false } as Parameters<Aedes['publish']>[0], () => {})
  }

  async stop() {
    const aedes = this.aedes
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()))
    const server = this.server
    if (server) await new Promise<void>((r) => server.close(() => r()))
  }
}
