// The authenticated WebSocket live feed: every bus message goes to every connected browser
// as it arrives (no batching: latency is the point), samples at the rates each browser asked
// for (core/live/live-socket.ts). A client that cannot keep up has samples skipped and counted
// rather than buffered without bound.
import type { ServerWebSocket } from 'bun'
import { LiveSocket } from '../core/live/live-socket.ts'
import type { Role } from '../core/schemas.ts'
import type { AnyRobotEvent } from '../core/events.ts'
import type { Sample } from '../core/streams.ts'
import type { SampleBus } from './sample-bus.ts'

export interface LiveWsData {
  kind: 'live'
  uid: number
  username: string
  role: Role
  socket?: LiveSocket
}

export class LiveFeed {
  private clients = new Set<ServerWebSocket<LiveWsData>>()
  /** Counters of the sockets that closed; the open ones add their own. */
  private closed = { sent: 0, skipped: 0 }

  constructor(
    private readonly bus: SampleBus,
    private readonly robotId: string,
  ) {
    bus.on('samples', this, (samples) => this.broadcastSamples(samples))
    bus.onEvent(this, (e) => this.broadcastEvent(e))
  }

  open(ws: ServerWebSocket<LiveWsData>) {
    ws.data.socket = new LiveSocket(ws)
    this.clients.add(ws)
    ws.data.socket.send({ type: 'hello', robot_id: this.robotId, user: ws.data.username, role: ws.data.role, ts: Date.now() })
  }

  message(ws: ServerWebSocket<LiveWsData>, text: string) {
    ws.data.socket?.receive(text)
  }

  close(ws: ServerWebSocket<LiveWsData>) {
    const s = ws.data.socket
    if (s) {
      s.close()
      this.closed.sent += s.sent
      this.closed.skipped += s.skipped
    }
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

  get sent(): number {
    let n = this.closed.sent
    for (const ws of this.clients) n += ws.data.socket?.sent ?? 0
    return n
  }

  get skipped(): number {
    let n = this.closed.skipped
    for (const ws of this.clients) n += ws.data.socket?.skipped ?? 0
    return n
  }

  private broadcastEvent(e: AnyRobotEvent) {
    for (const ws of this.clients) ws.data.socket?.send({ type: 'event', ...e })
  }

  private broadcastSamples(samples: Sample[]) {
    if (this.clients.size === 0) return
    // Serialized once for every browser that takes samples as they come.
    let shared: string | undefined
    for (const ws of this.clients) {
      const s = ws.data.socket
      if (!s) continue
      if (s.unlimited) shared ??= JSON.stringify({ type: 'samples', samples })
      s.samples(samples, '', shared)
    }
  }

  stop() {
    this.bus.off(this)
    for (const ws of this.clients) {
      ws.data.socket?.close()
      ws.close(1001, 'server shutting down')
    }
    this.clients.clear()
  }
}
