// MQTT over WebSocket on the HTTP port: each Bun WebSocket becomes a Duplex stream that
// aedes reads and writes like a TCP socket.
import { Duplex } from 'node:stream'
import type { ServerWebSocket } from 'bun'
import type { Aedes } from 'aedes'

export interface MqttWsData {
  kind: 'mqtt'
  remoteAddress: string
  stream?: Duplex
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
      try { ws.close() } catch {}
      cb(err)
    },
  })
  Object.assign(stream, { remoteAddress: ws.data.remoteAddress })
  ws.data.stream = stream
  aedes.handle(stream)
}

export function mqttWebSocketMessage(ws: ServerWebSocket<MqttWsData>, message: string | Buffer) {
  ws.data.stream?.push(typeof message === 'string' ? Buffer.from(message) : message)
}

export function closeMqttWebSocket(ws: ServerWebSocket<MqttWsData>) {
  const s = ws.data.stream
  if (s && !s.destroyed) { s.push(null); s.destroy() }
}
