// The embedded MQTT broker (aedes) on TCP and on the HTTP server's WebSocket. Clients
// authenticate with the API's accounts (username + password, or a bearer token as the
// password); anonymous clients only over TCP from loopback, and only when configured so.
// Password guessing is throttled per address and account (server/throttle.ts) under the
// process's ceiling on hash work, packets are size-capped before the broker buffers them
// (server/mqtt-packet-guard.ts), and every publish and subscription is judged by the account as it is
// now: a session ends when its user's password, role or tokens change or the user is deleted.
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import net from 'node:net'
import type { Logger } from '../../core/log.ts'
import { DEACTIVATED } from '../../server/account-routes.ts'
import { userFromToken, type AuthSources } from '../../server/auth-plugin.ts'
import { HashBusy } from '../../server/hash-gate.ts'
import { isLoopback } from '../../server/peer.ts'
import type { AuthThrottle } from '../../server/throttle.ts'
import type { UserStore } from '../auth/user-store.ts'
import { canPublish, canSubscribe } from './acl.ts'
import { guardedSocket } from '../../server/mqtt-packet-guard.ts'
import type { BrokerPrincipal } from './principal.ts'

export interface BrokerOptions {
  robotId: string
  host: string
  port: number
  anonymousLoopback: boolean
  users: UserStore
  authSources: AuthSources
  throttle: AuthThrottle
  log: Logger
}

const principals = new WeakMap<Client, BrokerPrincipal>()
export const principalOf = (c: Client | null): BrokerPrincipal | undefined => (c ? principals.get(c) : undefined)

function authError(code: 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError
}

function remoteAddress(c: Client): string | undefined {
  return (c.conn as { remoteAddress?: string }).remoteAddress
}

/** Connections over the HTTP port's WebSocket (ws-transport.ts marks them). */
const overWebSocket = (c: Client) => (c.conn as { websocket?: boolean }).websocket === true

/**
 * Decides whether a client's message is delivered to a subscriber. `publishedBy` is the
 * publisher's client id, undefined for what the edge itself publishes.
 */
export type ForwardFilter = (subscriber: BrokerPrincipal | undefined, packet: { topic: string; payload: Buffer | string; publishedBy?: string }) => boolean

export class EmbeddedBroker {
  readonly aedes: Aedes
  private server: net.Server | null = null
  private forwardFilter: ForwardFilter | null = null
  readonly counters = { refused_connections: 0, refused_publishes: 0, refused_subscriptions: 0, oversized_packets: 0, ended_sessions: 0 }

  private constructor(
    aedes: Aedes,
    private readonly opts: BrokerOptions,
  ) {
    this.aedes = aedes
  }

  static async create(opts: BrokerOptions): Promise<EmbeddedBroker> {
    const { log, throttle, users, authSources } = opts
    let self: EmbeddedBroker
    /** The user as stored now, or null when the account changed since the session began. */
    const current = (p: BrokerPrincipal): BrokerPrincipal | null => {
      if (p.kind === 'local') return p
      const u = users.current(p.uid)
      return u && u.tokenVersion === p.ver ? { ...p, role: u.role } : null
    }
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const addr = remoteAddress(client) ?? 'unknown'
        const refuse = (code: 3 | 4 | 5, why: string) => {
          self.counters.refused_connections++
          log.warn('mqtt connection refused', { client: client.id, addr, user: username?.slice(0, 64), reason: why })
          done(authError(code, why), false)
        }
        if (!username && !password) {
          if (opts.anonymousLoopback && isLoopback(addr) && !overWebSocket(client)) {
            principals.set(client, { kind: 'local', username: 'local' })
            return done(null, true)
          }
          return refuse(5, overWebSocket(client) ? 'anonymous clients are not accepted over WebSocket' : 'anonymous clients are not accepted')
        }
        const name = (username ?? '').slice(0, 64)
        const wait = throttle.retryAfter(addr, name)
        if (wait > 0) return refuse(5, `too many failed attempts; wait ${Math.ceil(wait / 1000)} s`)
        const secret = password ? password.toString('utf8') : ''
        const login = async (): Promise<BrokerPrincipal | null> => {
          if (secret.split('.').length === 3) {
            const u = await userFromToken(secret, authSources)
            if (u) return u
          }
          const u = await authSources.hashGate.run(() => users.verify(name, secret))
          if (u && !u.is_active) throw new Error(DEACTIVATED)
          return u ? { kind: 'user', uid: u.id, username: u.username, role: u.role, ver: u.tokenVersion } : null
        }
        login().then(
          (p) => {
            if (!p) {
              throttle.fail(addr, name)
              return refuse(4, 'bad username or password')
            }
            throttle.succeed(addr, name)
            principals.set(client, p)
            done(null, true)
          },
          (err) => refuse(err instanceof HashBusy ? 3 : 4, (err as Error).message),
        )
      },
      authorizePublish: (client, packet, cb) => {
        if (!client) return cb(null) // the edge itself
        const p = principals.get(client)
        const now = p && current(p)
        const why = !p ? 'not authenticated' : !now ? 'the account changed since this session began' : canPublish(now, packet.topic, opts.robotId)
        if (why) {
          self.counters.refused_publishes++
          log.warn('mqtt publish refused', { client: client.id, user: p?.username, topic: packet.topic.slice(0, 200), reason: why })
          if (p && !now) self.end(client)
          return cb(new Error(why))
        }
        cb(null)
      },
      authorizeForward: (client, packet) => {
        const filter = self.forwardFilter
        if (!filter) return packet
        const publishedBy = (packet as { clientId?: string }).clientId
        return filter(principals.get(client), { topic: packet.topic, payload: packet.payload, publishedBy }) ? packet : null
      },
      authorizeSubscribe: (client, sub, cb) => {
        const p = principals.get(client)
        const now = p && current(p)
        const why = !p ? 'not authenticated' : !now ? 'the account changed since this session began' : canSubscribe(now, sub.topic)
        if (why) {
          self.counters.refused_subscriptions++
          log.warn('mqtt subscription refused', { client: client.id, user: p?.username, filter: sub.topic.slice(0, 200), reason: why })
          if (p && !now) {
            self.end(client)
            return cb(new Error(why))
          }
          return cb(null, null) // a SUBACK refusing this filter (0x80); the session goes on
        }
        cb(null, sub)
      },
    })
    self = new EmbeddedBroker(aedes, opts)
    return self
  }

  /** Set once the robot's profile is known (legacy-client holds back what its client must hear from the edge only). */
  setForwardFilter(filter: ForwardFilter | null) {
    this.forwardFilter = filter
  }

  /** An anonymous client from loopback with this client id is connected (the earlier client uses its robot id). */
  hasLocalClient(clientId: string): boolean {
    const c = (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients[clientId]
    return !!c && principals.get(c)?.kind === 'local'
  }

  private end(client: Client) {
    this.counters.ended_sessions++
    client.close()
  }

  /** Ends every session of a user whose password, role or tokens changed, or who was deleted. */
  endSessionsOf(uid: number, change: string) {
    for (const client of Object.values((this.aedes as unknown as { clients: Record<string, Client> }).clients)) {
      const p = principals.get(client)
      if (p?.kind !== 'user' || p.uid !== uid) continue
      this.opts.log.info('mqtt session ended: its account changed', { client: client.id, user: p.username, change })
      this.end(client)
    }
  }

  /** Counts and logs a connection ended for an oversized packet. */
  refusedPacket(addr: string | undefined, why: string) {
    this.counters.oversized_packets++
    this.opts.log.warn('mqtt connection closed: packet too large', { addr, reason: why })
  }

  async listen(): Promise<number> {
    const server = net.createServer((socket) => this.aedes.handle(guardedSocket(socket, (why) => this.refusedPacket(socket.remoteAddress, why))))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.opts.port, this.opts.host, () => resolve())
    })
    return (server.address() as net.AddressInfo).port
  }

  get listening(): boolean {
    return !!this.server?.listening && !this.aedes.closed
  }

  publish(topic: string, payload: string, retain = false): Promise<void> {
    return new Promise((resolve) => {
      this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain, dup: false }, () => resolve())
    })
  }

  async close() {
    await new Promise<void>((r) => this.aedes.close(() => r()))
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()))
  }
}
