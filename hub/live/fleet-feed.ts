// The hub's live WebSocket: each browser gets what robots send (one robot's, when it asked for
// one), samples at the rates it asked for (core/live/live-socket.ts), events always.
import type { ServerWebSocket } from 'bun'
import { LiveSocket } from '../../core/live/live-socket.ts'
import type { FleetLive, FleetMessage } from './fleet-live.ts'

export interface FleetWsData {
  uid: number
  username: string
  /** Only this robot's messages; null: the whole fleet's. */
  robotId: string | null
  socket?: LiveSocket
  unsubscribe?: () => void
  endSession?: () => void
}

export function openFleetSocket(live: FleetLive, ws: ServerWebSocket<FleetWsData>) {
  const socket = new LiveSocket(ws, true)
  ws.data.socket = socket
  socket.send({ type: 'hello', user: ws.data.username, robot_id: ws.data.robotId, ts: Date.now() })
  ws.data.unsubscribe = live.subscribe((m: FleetMessage) => {
    if (ws.data.robotId && m.robot_id !== ws.data.robotId) return
    if (m.type === 'samples') socket.samples(m.samples, m.robot_id)
    else socket.send(m)
  })
  ws.data.endSession = live.session(ws.data.uid, () => ws.close(4001, 'your session ended: sign in again'))
}

export function fleetSocketMessage(ws: ServerWebSocket<FleetWsData>, text: string) {
  ws.data.socket?.receive(text)
}

export function closeFleetSocket(ws: ServerWebSocket<FleetWsData>) {
  ws.data.unsubscribe?.()
  ws.data.endSession?.()
  ws.data.socket?.close()
}
