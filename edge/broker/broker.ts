// The embedded MQTT broker (aedes) on TCP and on the HTTP server's WebSocket. Clients
// authenticate with the API's accounts (username + password, or a bearer token as the
// password); anonymous clients only from loopback, and only when configured so.
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import net from 'node:net'
import type { Logger } from '../../core/log.ts'
import type { UserStore } from '../auth/user-store.ts'
import { canPublish, canSubscribe } from './acl.ts'
import { isLoopback, principalFromToken, type Principal } from './principal.ts'

export interface BrokerOptions {
  robotId: string
  host: string
  port: number
  anonymousLoopback: boolean
  users: UserStore
  jwtSecret: () => string
  log: Logger
}

const principals = new WeakMap<Client, Principal>()
export const principalOf = (c: Client | null): Principal | undefined => (c ? principals.get(c) : undefined)

function authError(code: 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError
}

function remoteAddress(c: Client): string | undefined {
  return (c.conn as { remoteAddress?: string }).remoteAddress
}

export class EmbeddedBroker {
  readonly aedes: Aedes
  private server: net.Server | null = null
  readonly counters = { refused_connections: 0, refused_publishes: 0, refused_subscriptions: 0 }

  private constructor(aedes: Aedes, private readonly opts: BrokerOptions) {
    this.aedes = aedes
  }

  static async create(opts: BrokerOptions): Promise<EmbeddedBroker> {
    const log = opts.log
    let self: EmbeddedBroker
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const addr = remoteAddress(client)
        const refuse = (code: 4 | 5, why: string) => {
          self.counters.refused_connections++
          log.warn('mqtt connection refused', { client: client.id, addr, reason: why })
          done(authError(code, why), false)
        }
        if (!username && !password) {
          if (opts.anonymousLoopback && isLoopback(addr)) {
            principals.set(client, { kind: 'local', username: 'local', role: null })
            return done(null, true)
          }
          return refuse(5, 'anonymous clients are not accepted')
        }
        const secret = password ? password.toString('utf8') : ''
        if (secret.split('.').length === 3) {
          const p = principalFromToken(secret, opts.jwtSecret(), opts.users)
          if (p) { principals.set(client, p); return done(null, true) }
        }
        opts.users.verify(username ?? '', secret).then((u) => {
          if (!u) return refuse(4, 'bad username or password')
          principals.set(client, { kind: 'user', username: u.username, uid: u.id, role: u.role })
          done(null, true)
        }, (err) => refuse(4, (err as Error).message))
      },
      authorizePublish: (client, packet, cb) => {
        if (!client) return cb(null) // the edge itself
        const p = principals.get(client)
        const why = p ? canPublish(p, packet.topic, opts.robotId) : 'not authenticated'
        if (why) {
          self.counters.refused_publishes++
          log.warn('mqtt publish refused', { client: client.id, user: p?.username, topic: packet.topic.slice(0, 200), reason: why })
          return cb(new Error(why))
        }
        cb(null)
      },
      authorizeSubscribe: (client, sub, cb) => {
        const p = principals.get(client)
        const why = p ? canSubscribe(p, sub.topic) : 'not authenticated'
        if (why) {
          self.counters.refused_subscriptions++
          log.warn('mqtt subscription refused', { client: client.id, user: p?.username, filter: sub.topic.slice(0, 200), reason: why })
          return cb(new Error(why))
        }
        cb(null, sub)
      },
    })
    self = new EmbeddedBroker(aedes, opts)
    return self
  }

  async listen(): Promise<number> {
    const server = net.createServer((socket) => this.aedes.handle(socket))
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
