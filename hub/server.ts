// The hub's one HTTP port: the API, the fleet's live WebSocket and the dashboard's files.
import type { ServerWebSocket } from 'bun'
import { LIVE_PATH } from '../core/live/protocol.ts'
import { type ApiHandler, frontDoorFetch, liveEndpoint, MAX_REQUEST_BODY_BYTES, type StaticSite } from '../server/front-door.ts'
import type { HubContext } from './context.ts'
import { closeFleetSocket, fleetSocketMessage, openFleetSocket, type FleetWsData } from './live/fleet-feed.ts'

export type { StaticSite }

/**
 * `tls`: the hub's certificate and key. The API is then HTTPS only, served by Bun itself: no
 * second process to run and watch, and robots pin the CA that signed this certificate.
 */
export function startHubServer(ctx: HubContext, api: ApiHandler, site: StaticSite | null, tls: { cert: string; key: string } | null = null) {
  return Bun.serve<FleetWsData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    ...(tls ? { tls } : {}),
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    fetch: frontDoorFetch<FleetWsData>({
      api,
      site,
      sockets: {
        [LIVE_PATH]: liveEndpoint<FleetWsData>(ctx.authSources, (user, url) => ({
          uid: user.uid,
          username: user.username,
          robotId: url.searchParams.get('robot_id'),
        })),
      },
    }),
    websocket: {
      idleTimeout: 120,
      open: (ws: ServerWebSocket<FleetWsData>) => openFleetSocket(ctx.live, ws),
      message: (ws: ServerWebSocket<FleetWsData>, message) => fleetSocketMessage(ws, String(message)),
      close: closeFleetSocket,
    },
  })
}
