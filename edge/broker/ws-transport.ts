// MQTT over WebSocket on the HTTP port: each Bun WebSocket becomes a Duplex stream that
// aedes reads and writes like a TCP socket.
import { Duplex } from 'node:stream'
import type { ServerWebSocket } from 'bun'
import type { Aedes } from 'aedes'
import { PacketSizeGuard } from '../../server/mqtt-packet-guard.ts'

export interface MqttWsData {
  kind: 'mqtt'
  remoteAddress: string
  stream?: Duplex
  guard?: PacketSizeGuard
}

export function openMqttWebSocket(aedes: Aedes, ws: ServerWebSocket<MqttWsData>) {
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      ws.send(chunk)
      cb()
    },
    final(cb) {
      ws.close()
      cb()
    },
    destroy(err, cb) {
      try {
        ws.close()
      } catch {}
      cb(err)
    },
  })
  // `websocket`: the broker admits no anonymous client over it (broker.ts).
  Object.assign(stream, { remoteAddress: ws.data.remoteAddress, websocket: true })
  ws.data.stream = stream
  ws.data.guard = new PacketSizeGuard()
  aedes.handle(stream)
}

export function mqttWebSocketMessage(ws: ServerWebSocket<MqttWsData>, message: string | Buffer, onRefused: (why: string) => void) {
  const bytes = typeof message === 'string' ? Buffer.from(message) : message
  const why = ws.data.guard?.accept(bytes)
  if (why) {
    onRefused(why)
    ws.close(1009, 'packet too large')
    return
  }
  ws.data.stream?.push(bytes)
}

export function closeMqttWebSocket(ws: ServerWebSocket<MqttWsData>) {
  const s = ws.data.stream
  if (s && !s.destroyed) {
    s.push(null)
    s.destroy()
  }
}
