// The hub's one HTTP port: the API, the fleet's live WebSocket and the dashboard's files.
import type { ServerWebSocket } from 'bun'
import type { HubContext } from './context.ts'
import { authorizeLiveUpgrade } from '../server/live-upgrade.ts'
import { MAX_REQUEST_BODY_BYTES, METRICS_PATH, metricsRequest, withApiHeaders } from '../server/front-door.ts'
import { rememberPeer } from '../server/peer.ts'
import { closeFleetSocket, fleetSocketMessage, openFleetSocket, type FleetWsData } from './live/fleet-feed.ts'
import { LIVE_PATH } from '../core/live/protocol.ts'
import { compressResponse } from '../ui/server/compression.ts'

export interface StaticSite {
  serve(req: Request): Response | Promise<Response> | null
}

/**
 * `tls`: the hub's certificate and key. The API is then HTTPS only, served by Bun itself: no
 * second process to run and watch, and robots pin the CA that signed this certificate.
 */
export function startHubServer(
  ctx: HubContext,
  api: { handle(req: Request): Promise<Response> },
  site: StaticSite | null,
  tls: { cert: string; key: string } | null = null,
) {
  const json = (status: number, body: unknown) => withApiHeaders(Response.json(body, { status }))
  return Bun.serve<FleetWsData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    ...(tls ? { tls } : {}),
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    async fetch(req, server) {
      const url = new URL(req.url)
      if (url.pathname === LIVE_PATH) {
        const live = await authorizeLiveUpgrade(req, ctx.authSources)
        if (!live.ok) return json(live.status, { error: live.error, message: live.message })
        const robotId = url.searchParams.get('robot_id')
        if (server.upgrade(req, { data: { uid: live.user.uid, username: live.user.username, robotId }, headers: live.headers })) return undefined
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
      open: (ws: ServerWebSocket<FleetWsData>) => openFleetSocket(ctx.live, ws),
      message: (ws: ServerWebSocket<FleetWsData>, message) => fleetSocketMessage(ws, String(message)),
      close: closeFleetSocket,
    },
  })
}
