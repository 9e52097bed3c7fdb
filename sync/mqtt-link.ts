// A small MQTT 3.1.1 client for the robot's uplink to the hub's broker: connect with a last
// will, publish at QoS 0 or 1, subscribe, keep alive, reconnect. It rides on mqtt-packet, the
// codec the edge's own broker (aedes) already loads, over Bun's sockets: the full mqtt.js
// client would cost the edge about 3 MB of its 80 MB budget for features the uplink never uses.
// A robot's sessions are always clean: a robot that is away must not find commands queued for
// it. The hub's ingest (hub/mqtt/ingest-session.ts) keeps its session and acknowledges a message
// only once it has stored it (`manualAck`).
import mqttPacket, { type IConnackPacket, type IPublishPacket, type ISubackPacket, type Packet } from 'mqtt-packet'
import type { Socket } from 'bun'
import { tlsRefusal } from './tls-error.ts'

export interface MqttLinkOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string
  username: string
  password: string
  clientId: string
  keepaliveS?: number
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean }
  /** PEM of the CA the broker's certificate must chain to (mqtts). */
  ca?: string
  connectTimeoutMs?: number
  /** Keep the session (and what the broker queues for it) when the connection ends; default clean. */
  clean?: boolean
  /** QoS 1 messages are acknowledged by the `ack` passed to onMessage, in the order they came, not on receipt. */
  manualAck?: boolean
}

/** What came with a message: its QoS, whether the broker sends it again, and (manualAck) how to acknowledge it. */
export interface MessageMeta {
  qos: number
  dup: boolean
  ack: () => void
}

const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client id rejected',
  3: 'broker unavailable',
  4: 'bad username or password',
  5: 'not authorized',
}

export class MqttLinkError extends Error {
  constructor(
    message: string,
    readonly refused = false,
  ) {
    super(message)
    this.name = 'MqttLinkError'
  }
}

// mqtt-packet pre-builds a Buffer for each of the 65,536 two-byte numbers on its first use
// (about 7 MB in Bun, measured): encoding the few numbers a packet needs as it goes costs nothing
// worth saving. The setting is the module's, so the edge's own broker (aedes) is spared it too.
mqttPacket.writeToStream.cacheNumbers = false

type Pending = { resolve: (p: Packet) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }

/** One connection; a closed link is not reused (the caller makes a new one to reconnect). */
export class MqttLink {
  private socket: Socket<undefined> | null = null
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 })
  private outbox: Uint8Array[] = []
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private lastHeard = Date.now()
  private closed = false
  /** close() was asked for: the end of the connection is no failure. */
  private closing = false
  private closeReason: Error | null = null
  private onConnack: ((p: IConnackPacket) => void) | null = null
  private closeListeners: ((err: Error | null) => void)[] = []
  /** QoS 1 message ids waiting for their acknowledgement, in arrival order (MQTT 3.1.1, 4.6). */
  private unacked: { id: number; done: boolean }[] = []
  private sessionPresent = false
  onMessage: (topic: string, payload: Buffer, meta: MessageMeta) => void = () => {}

  constructor(private readonly opts: MqttLinkOptions) {
    this.parser.on('packet', (p) => this.onPacket(p))
    this.parser.on('error', (err) => this.fail(new MqttLinkError(`broker sent a malformed packet: ${err.message}`)))
  }

  get connected(): boolean {
    return this.socket !== null && !this.closed
  }

  /** The broker had a session for this client id (a kept session, with what it queued). */
  get resumed(): boolean {
    return this.sessionPresent
  }

  /** QoS 1 messages received and not yet acknowledged. */
  get pendingAcks(): number {
    return this.unacked.length
  }

  /** Resolves once the broker has accepted the connection; rejects with its reason otherwise. */
  async connect(): Promise<void> {
    const u = new URL(this.opts.url)
    const tls = u.protocol === 'mqtts:'
    if (!tls && u.protocol !== 'mqtt:') throw new MqttLinkError(`unsupported broker URL ${u.protocol} (mqtt:// or mqtts://)`)
    const port = Number(u.port || (tls ? 8883 : 1883))
    const keepalive = this.opts.keepaliveS ?? 15
    const connack = new Promise<IConnackPacket>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new MqttLinkError(`no answer from the broker at ${u.host} within ${this.opts.connectTimeoutMs ?? 10_000} ms`)),
        this.opts.connectTimeoutMs ?? 10_000,
      )
      this.onConnack = (p) => {
        clearTimeout(timer)
        resolve(p)
      }
      this.closeListeners.push((err) => {
        clearTimeout(timer)
        reject(err ?? new MqttLinkError('connection closed before the broker answered'))
      })
    })
    // Nothing is sent before the broker's certificate is verified: the CONNECT carries the password.
    let verified: (err: Error | null) => void = () => {}
    const handshake = new Promise<Error | null>((r) => {
      verified = r
    })
    this.socket = await Bun.connect({
      hostname: u.hostname.replace(/^\[|\]$/g, ''),
      port,
      ...(tls ? { tls: { ...(this.opts.ca ? { ca: this.opts.ca } : {}), serverName: u.hostname.replace(/^\[|\]$/g, ''), rejectUnauthorized: true } } : {}),
      socket: {
        handshake: (_s, ok, err) =>
          verified(
            ok
              ? null
              : new MqttLinkError(
                  tlsRefusal(err, `the broker at ${u.host}`, Boolean(this.opts.ca)) ??
                    `TLS with the broker at ${u.host} failed: ${err?.message ?? 'no reason given'}`,
                  true,
                ),
          ),
        data: (_s, data) => {
          this.lastHeard = Date.now()
          this.parser.parse(Buffer.from(data))
        },
        drain: () => this.flush(),
        close: () => {
          verified(new MqttLinkError('the connection to the broker was closed'))
          this.fail(this.closing ? null : new MqttLinkError('the connection to the broker was closed'))
        },
        error: (_s, err) => this.fail(new MqttLinkError(`broker connection: ${err.message}`)),
        connectError: (_s, err) => this.fail(new MqttLinkError(`cannot reach the broker at ${u.host}: ${err.message}`)),
      },
    }).catch((err: Error) => {
      throw new MqttLinkError(`cannot reach the broker at ${u.host}: ${err.message}`)
    })
    if (tls) {
      const refused = await Promise.race([
        handshake,
        connack.then(
          () => null,
          (e: Error) => e,
        ),
      ])
      if (refused) {
        this.fail(refused)
        throw refused
      }
    }
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: this.opts.clean ?? true,
      clientId: this.opts.clientId,
      keepalive,
      username: this.opts.username,
      password: Buffer.from(this.opts.password),
      ...(this.opts.will
        ? { will: { topic: this.opts.will.topic, payload: Buffer.from(this.opts.will.payload), qos: this.opts.will.qos, retain: this.opts.will.retain } }
        : {}),
    })
    const ack = await connack
    if (ack.returnCode !== 0) {
      this.close()
      throw new MqttLinkError(`the broker refused the connection: ${CONNACK_REASONS[ack.returnCode ?? 0] ?? `code ${ack.returnCode}`}`, true)
    }
    this.sessionPresent = ack.sessionPresent
    // Ping at half the keepalive; a broker silent for a whole keepalive is gone.
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > keepalive * 1500) return this.fail(new MqttLinkError('the broker stopped answering (keepalive)'))
      this.send({ cmd: 'pingreq' })
    }, keepalive * 500)
  }

  publish(topic: string, payload: string | Uint8Array, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (!this.connected) return Promise.reject(new MqttLinkError('not connected to the broker'))
    const qos = opts.qos ?? 0
    const packet: IPublishPacket = { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: opts.retain ?? false, dup: false }
    if (qos === 0) {
      this.send(packet)
      return Promise.resolve()
    }
    packet.messageId = this.messageId()
    const acked = this.expect(packet.messageId)
    this.send(packet)
    return acked.then(() => undefined)
  }

  async subscribe(topics: string[], qos: 0 | 1 = 0): Promise<void> {
    const messageId = this.messageId()
    const acked = this.expect(messageId)
    this.send({ cmd: 'subscribe', messageId, subscriptions: topics.map((topic) => ({ topic, qos })) })
    const suback = (await acked) as ISubackPacket
    const refused = suback.granted.findIndex((g) => typeof g === 'number' && g >= 0x80)
    if (refused >= 0) throw new MqttLinkError(`the broker refused the subscription to ${topics[refused]}`, true)
  }

  async unsubscribe(topics: string[]): Promise<void> {
    const messageId = this.messageId()
    const acked = this.expect(messageId)
    this.send({ cmd: 'unsubscribe', messageId, unsubscriptions: topics })
    await acked
  }

  /** Closes; `graceful` sends DISCONNECT first, so the broker does not publish the last will. */
  close(graceful = false) {
    this.closing = true
    if (graceful && this.connected) this.send({ cmd: 'disconnect' })
    this.socket?.end()
    this.fail(null)
  }

  /** Called once when the connection ends, with the reason (null for a close we asked for). */
  onClose(fn: (err: Error | null) => void) {
    if (this.closed) queueMicrotask(() => fn(this.closeReason))
    else this.closeListeners.push(fn)
  }

  private messageId(): number {
    const id = this.nextId
    this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1
    return id
  }

  private expect(messageId: number, timeoutMs = 10_000): Promise<Packet> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId)
        reject(new MqttLinkError('the broker did not acknowledge in time'))
      }, timeoutMs)
      this.pending.set(messageId, { resolve, reject, timer })
    })
  }

  private onPacket(p: Packet) {
    switch (p.cmd) {
      case 'connack':
        this.onConnack?.(p as IConnackPacket)
        this.onConnack = null
        return
      case 'publish': {
        const pub = p as IPublishPacket
        let ack = () => {}
        if (pub.qos === 1 && pub.messageId !== undefined) {
          if (this.opts.manualAck) {
            const entry = { id: pub.messageId, done: false }
            this.unacked.push(entry)
            ack = () => {
              entry.done = true
              this.flushAcks()
            }
          } else this.send({ cmd: 'puback', messageId: pub.messageId })
        }
        try {
          this.onMessage(pub.topic, Buffer.from(pub.payload as Buffer), { qos: pub.qos, dup: pub.dup, ack })
        } catch {
          /* a handler's error is the handler's */
        }
        return
      }
      case 'puback':
      case 'suback':
      case 'unsuback': {
        const id = (p as { messageId?: number }).messageId
        const w = id !== undefined ? this.pending.get(id) : undefined
        if (w) {
          clearTimeout(w.timer)
          this.pending.delete(id!)
          w.resolve(p)
        }
        return
      }
      default:
        return
    }
  }

  private flushAcks() {
    while (this.unacked[0]?.done) this.send({ cmd: 'puback', messageId: this.unacked.shift()!.id })
  }

  private send(packet: Packet) {
    if (!this.socket || this.closed) return
    this.outbox.push(mqttPacket.generate(packet) as Uint8Array)
    this.flush()
  }

  private flush() {
    const s = this.socket
    if (!s) return
    while (this.outbox.length) {
      const head = this.outbox[0]
      const n = s.write(head)
      if (n < head.length) {
        this.outbox[0] = head.subarray(Math.max(0, n))
        return
      }
      this.outbox.shift()
    }
  }

  private fail(err: Error | null) {
    if (this.closed) return
    this.closed = true
    this.closeReason = err
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    this.socket?.end()
    const reason = err ?? new MqttLinkError('connection closed')
    for (const w of this.pending.values()) {
      clearTimeout(w.timer)
      w.reject(reason)
    }
    this.pending.clear()
    const listeners = this.closeListeners
    this.closeListeners = []
    for (const l of listeners) l(err)
  }
}
