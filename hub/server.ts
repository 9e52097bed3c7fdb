// The hub's one HTTP port: the API, the fleet's live WebSocket and the dashboard's files.
import type { ServerWebSocket } from 'bun'
import type { HubContext } from './context.ts'
import { hubUser } from './api/auth.ts'
import { closeFleetSocket, fleetSocketMessage, openFleetSocket, type FleetWsData } from './live/fleet-feed.ts'
import { LIVE_PATH, liveAuthorization } from '../core/live/protocol.ts'
import { compressResponse } from '../ui/server/compression.ts'

export interface StaticSite {
  serve(req: Request): Response | Promise<Response> | null
}

export function startHubServer(ctx: HubContext, api: { handle(req: Request): Promise<Response> }, site: StaticSite | null) {
  const json = (status: number, body: unknown) => Response.json(body, { status })
  return Bun.serve<FleetWsData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    async fetch(req, server) {
      const url = new URL(req.url)
      if (url.pathname === LIVE_PATH) {
        const auth = liveAuthorization(req)
        if (!auth.ok) return json(400, { error: 'invalid_request', message: auth.message })
        const user = await hubUser(ctx, auth.authorization)
        if (!user) return json(401, { error: 'unauthorized', message: 'a valid token is required (subprotocol tonypi.bearer.<token>, or Authorization)' })
        const robotId = url.searchParams.get('robot_id')
        if (server.upgrade(req, { data: { username: user.username, robotId }, headers: auth.headers })) return undefined
        return json(400, { error: 'invalid_request', message: 'expected a WebSocket upgrade' })
      }
      if (url.pathname.startsWith('/api/')) return compressResponse(req, await api.handle(req))
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
