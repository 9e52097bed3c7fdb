// One HTTP port for everything a browser needs: the API, the live WebSocket, MQTT over
// WebSocket, and the dashboard's files.
import type { Server, ServerWebSocket } from 'bun'
import { LIVE_PATH } from '../core/live/protocol.ts'
import { type ApiHandler, apiError, frontDoorFetch, liveEndpoint, MAX_REQUEST_BODY_BYTES, type StaticSite, upgradeOrRefuse } from '../server/front-door.ts'
import { sameOriginOrNone } from '../server/same-origin.ts'
import { closeMqttWebSocket, mqttWebSocketMessage, openMqttWebSocket, type MqttWsData } from './broker/ws-transport.ts'
import type { EdgeContext } from './context.ts'
import type { LiveWsData } from './live-feed.ts'

export type { StaticSite }

type WsData = MqttWsData | LiveWsData

/** MQTT over WebSocket, for this site's pages and for clients that are not browsers. */
function mqttEndpoint(req: Request, server: Server<WsData>) {
  if (!sameOriginOrNone(req)) return apiError(403, 'forbidden', 'MQTT over WebSocket from another site is refused')
  const offered = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim())
  const headers = offered.includes('mqtt') ? { 'Sec-WebSocket-Protocol': 'mqtt' } : undefined
  return upgradeOrRefuse<WsData>(req, server, { kind: 'mqtt', remoteAddress: server.requestIP(req)?.address ?? '' }, headers)
}

export function startHttpServer(ctx: EdgeContext, api: ApiHandler, site: StaticSite | null): Server<WsData> {
  return Bun.serve<WsData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    fetch: frontDoorFetch<WsData>({
      api,
      site,
      sockets: {
        '/mqtt': mqttEndpoint,
        [LIVE_PATH]: liveEndpoint<WsData>(ctx.authSources, (user) => ({ kind: 'live', uid: user.uid, username: user.username, role: user.role })),
      },
    }),
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
