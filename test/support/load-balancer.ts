// Any TCP load balancer, as an operator would put in front of hub replicas: each new connection
// goes to the next backend in turn, skipping one that refuses it (a replica that died), and bytes
// pass unchanged. It knows nothing of HTTP, sessions or the hub.
import type { Socket, TCPSocketListener } from 'bun'

interface Pipe {
  peer: Socket<Pipe> | null
  queue: Uint8Array[]
  out: Uint8Array[]
}

/** Writes in order, keeping what the socket did not take until it drains. */
function send(to: Socket<Pipe>, d: Uint8Array) {
  if (to.data.out.length) return void to.data.out.push(d)
  const n = to.write(d)
  if (n < d.length) to.data.out.push(d.subarray(Math.max(0, n)))
}

function drain(s: Socket<Pipe>) {
  while (s.data.out.length) {
    const head = s.data.out[0]
    const n = s.write(head)
    if (n < head.length) {
      s.data.out[0] = head.subarray(Math.max(0, n))
      return
    }
    s.data.out.shift()
  }
}

export class LoadBalancer {
  private listener: TCPSocketListener<Pipe> | null = null
  private next = 0
  readonly connections: number[]

  constructor(private readonly backends: readonly number[]) {
    this.connections = backends.map(() => 0)
  }

  get port(): number {
    return this.listener!.port
  }

  start(): this {
    const self = this
    this.listener = Bun.listen<Pipe>({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open(client) {
          client.data = { peer: null, queue: [], out: [] }
          self.connect(client, 0)
        },
        data(client, d) {
          if (client.data.peer) send(client.data.peer, new Uint8Array(d))
          else client.data.queue.push(new Uint8Array(d))
        },
        drain,
        close(client) {
          client.data.peer?.end()
        },
        error(client) {
          client.end()
        },
      },
    })
    return this
  }

  private connect(client: Socket<Pipe>, tried: number) {
    if (tried >= this.backends.length) return void client.end()
    const i = this.next++ % this.backends.length
    void Bun.connect<Pipe>({
      hostname: '127.0.0.1',
      port: this.backends[i],
      socket: {
        open: (up) => {
          this.connections[i]++
          up.data = { peer: client, queue: [], out: [] }
          client.data.peer = up
          for (const q of client.data.queue) send(up, q)
          client.data.queue = []
        },
        data: (up, d) => {
          if (up.data.peer) send(up.data.peer, new Uint8Array(d))
        },
        drain,
        close: (up) => {
          up.data.peer?.end()
        },
        error: (up) => {
          up.end()
        },
        connectError: () => this.connect(client, tried + 1),
      },
    }).catch(() => this.connect(client, tried + 1))
  }

  stop() {
    this.listener?.stop(true)
  }
}
