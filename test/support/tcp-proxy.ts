// A loopback TCP proxy between a robot and its hub, for the link faults: it can delay every
// piece of data, drop connections at random (a flaky Wi-Fi), cut everything and refuse new
// connections (the cable pulled), and heal. Bytes are never altered: a link loses connections,
// it does not corrupt TCP.
import type { Socket, TCPSocketListener } from 'bun'

export interface LinkFaults {
  /** Each piece of data waits this long (uniform in [min, max] ms) before it is passed on. */
  delayMs?: [number, number]
  /** Probability that a connection is cut when a piece of data crosses it. */
  dropPerChunk?: number
}

interface Side {
  peer: Socket<Side> | null
  queue: Uint8Array[]
  closed: boolean
  sending: Promise<void>
}

export class TcpProxy {
  private listener: TCPSocketListener<Side> | null = null
  private sockets = new Set<Socket<Side>>()
  private faults: LinkFaults = {}
  private down = false
  readonly counters = { connections: 0, dropped: 0, refused: 0 }

  constructor(private readonly target: { host: string; port: number }) {}

  get port(): number {
    return this.listener!.port
  }

  start(): this {
    const self = this
    this.listener = Bun.listen<Side>({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open(client) {
          if (self.down) {
            self.counters.refused++
            client.end()
            return
          }
          self.counters.connections++
          client.data = { peer: null, queue: [], closed: false, sending: Promise.resolve() }
          self.sockets.add(client)
          void Bun.connect<Side>({
            hostname: self.target.host,
            port: self.target.port,
            socket: {
              open(upstream) {
                upstream.data = { peer: client, queue: [], closed: false, sending: Promise.resolve() }
                client.data.peer = upstream
                self.sockets.add(upstream)
                for (const q of client.data.queue) self.pass(client, upstream, q)
                client.data.queue = []
              },
              data(upstream, d) {
                if (upstream.data.peer) self.pass(upstream, upstream.data.peer, new Uint8Array(d))
              },
              close(upstream) {
                self.sockets.delete(upstream)
                upstream.data.peer?.end()
              },
              error(upstream) {
                upstream.end()
              },
              connectError() {
                client.end()
              },
            },
          }).catch(() => client.end())
        },
        data(client, d) {
          const up = client.data.peer
          if (up) self.pass(client, up, new Uint8Array(d))
          else client.data.queue.push(new Uint8Array(d))
        },
        close(client) {
          self.sockets.delete(client)
          client.data?.peer?.end()
        },
        error(client) {
          client.end()
        },
      },
    })
    return this
  }

  /** Passes data on in order, after the configured delay, or cuts the connection. */
  private pass(from: Socket<Side>, to: Socket<Side>, data: Uint8Array) {
    const f = this.faults
    if (f.dropPerChunk && Math.random() < f.dropPerChunk) {
      this.counters.dropped++
      from.end()
      to.end()
      return
    }
    const [lo, hi] = f.delayMs ?? [0, 0]
    const wait = lo + Math.random() * (hi - lo)
    from.data.sending = from.data.sending.then(async () => {
      if (wait > 0) await Bun.sleep(wait) // the link's injected latency: the fault itself
      to.write(data)
    })
  }

  setFaults(f: LinkFaults) {
    this.faults = f
  }

  /** The cable is pulled: every connection ends and new ones are refused. */
  cut() {
    this.down = true
    for (const s of this.sockets) s.end()
    this.sockets.clear()
  }

  heal() {
    this.down = false
    this.faults = {}
  }

  stop() {
    this.cut()
    this.listener?.stop(true)
  }
}
