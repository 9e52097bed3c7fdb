// One HTTP port for everything a browser needs: the API, the live WebSocket, MQTT over
// WebSocket, and the dashboard's files.
import type { Server, ServerWebSocket } from 'bun'
import type { Elysia } from 'elysia'
import { closeMqttWebSocket, mqttWebSocketMessage, openMqttWebSocket, type MqttWsData } from './broker/ws-transport.ts'
import type { EdgeContext } from './context.ts'
import type { LiveWsData } from './live-feed.ts'
import { authorizeLiveUpgrade } from '../server/live-upgrade.ts'
import { MAX_REQUEST_BODY_BYTES, METRICS_PATH, metricsRequest, sameOriginOrNone, withApiHeaders } from '../server/front-door.ts'
import { rememberPeer } from '../server/peer.ts'
import { compressResponse } from '../ui/server/compression.ts'
import { LIVE_PATH } from '../core/live/protocol.ts'

type WsData = MqttWsData | LiveWsData

export interface StaticSite {
  /** Returns a response for a path outside /api, or null for 404. */
  serve(req: Request): Response | Promise<Response> | null
}

export function startHttpServer(ctx: EdgeContext, api: { handle(req: Request): Promise<Response> } | Elysia<any>, site: StaticSite | null): Server<WsData> {
  const json = (status: number, body: unknown) => withApiHeaders(Response.json(body, { status }))
  return Bun.serve<WsData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    async fetch(req, server) {
      const url = new URL(req.url)
      if (url.pathname === '/mqtt') {
        if (!sameOriginOrNone(req)) return json(403, { error: 'forbidden', message: 'MQTT over WebSocket from another site is refused' })
        const addr = server.requestIP(req)?.address ?? ''
        const proto = req.headers.get('sec-websocket-protocol') ?? ''
        const headers = proto
          .split(',')
          .map((s) => s.trim())
          .includes('mqtt')
          ? { 'Sec-WebSocket-Protocol': 'mqtt' }
          : undefined
        if (server.upgrade(req, { data: { kind: 'mqtt', remoteAddress: addr }, headers })) return undefined
        return json(400, { error: 'invalid_request', message: 'expected a WebSocket upgrade' })
      }
      if (url.pathname === LIVE_PATH) {
        const live = await authorizeLiveUpgrade(req, ctx.authSources)
        if (!live.ok) return json(live.status, { error: live.error, message: live.message })
        const { user } = live
        if (server.upgrade(req, { data: { kind: 'live', uid: user.uid, username: user.username, role: user.role }, headers: live.headers })) return undefined
        return json(400, { error: 'invalid_request', message: 'expected a WebSocket upgrade' })
      }
      if (url.pathname.startsWith('/api/') || url.pathname === METRICS_PATH) {
        const r = url.pathname === METRICS_PATH ? metricsRequest(req) : req
        rememberPeer(r, { requestIP: () => server.requestIP(req) })
        return compressResponse(r, withApiHeaders(await api.handle(r)))
      }
      const r = site ? await site.serve(req) : null
      return r ?? json(404, { error: 'not_found', message: 'no such page' })
    },
    websocket: {
      idleTimeout: 120,
      maxPayloadLength: 1 << 20,
      open(ws: ServerWebSocket<WsData>) {
        if (ws.data.kind === 'mqtt') openMqttWebSocket(ctx.broker.aedes, ws as ServerWebSocket<MqttWsData>)
        else ctx.live.open(ws as ServerWebSocket<LiveWsData>)
      },
      message(ws: ServerWebSocket<WsData>, message) {
        if (ws.data.kind === 'mqtt') mqttWebSocketMessage(ws as ServerWebSocket<MqttWsData>, message, (why) => ctx.broker.refusedPacket(ws.remoteAddress, why))
        else ctx.live.message(ws as ServerWebSocket<LiveWsData>, String(message))
      },
      close(ws: ServerWebSocket<WsData>) {
        if (ws.data.kind === 'mqtt') closeMqttWebSocket(ws as ServerWebSocket<MqttWsData>)
        else ctx.live.close(ws as ServerWebSocket<LiveWsData>)
      },
    },
  })
}
