// The authenticated WebSocket live feed: every bus message goes to every connected
// browser as it arrives (no batching: latency is the point). A client that cannot keep
// up has messages skipped and counted rather than buffered without bound.
import type { ServerWebSocket } from 'bun'
import type { BusMessage, SampleBus } from './sample-bus.ts'

export interface LiveWsData {
  kind: 'live'
  uid: number
  username: string
  role: string
}

const MAX_BUFFERED = 1 << 20

export class LiveFeed {
  private clients = new Set<ServerWebSocket<LiveWsData>>()
  skipped = 0
  sent = 0
  private unsubscribe: () => void

  constructor(bus: SampleBus, private readonly robotId: string) {
    this.unsubscribe = bus.subscribe((m) => this.broadcast(m))
  }

  open(ws: ServerWebSocket<LiveWsData>) {
    this.clients.add(ws)
    ws.send(JSON.stringify({ type: 'hello', robot_id: this.robotId, user: ws.data.username, role: ws.data.role, ts: Date.now() }))
  }

  close(ws: ServerWebSocket<LiveWsData>) {
    this.clients.delete(ws)
  }

  /** Closes the sockets of a user whose password, role or tokens changed, or who was deleted. */
  endSessionsOf(uid: number) {
    for (const ws of this.clients) {
      if (ws.data.uid !== uid) continue
      this.clients.delete(ws)
      ws.close(4001, 'your session ended: sign in again')
    }
  }

  get count() {
    return this.clients.size
  }

  private broadcast(m: BusMessage) {
    if (this.clients.size === 0) return
    const msg = m.kind === 'samples'
      ? JSON.stringify({ type: 'samples', samples: m.samples })
      : JSON.stringify({ type: 'event', event: m.event, level: m.level, ts: m.ts, data: m.data })
    for (const ws of this.clients) {
      // Samples are skipped for a client that cannot keep up (the next sweep replaces them);
      // events (command outcomes, e-stop) never are.
      if (m.kind === 'samples' && ws.getBufferedAmount() > MAX_BUFFERED) { this.skipped++; continue }
      ws.send(msg)
      this.sent++
    }
  }

  stop() {
    this.unsubscribe()
    for (const ws of this.clients) ws.close(1001, 'server shutting down')
    this.clients.clear()
  }
}
