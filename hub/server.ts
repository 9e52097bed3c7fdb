// The hub's one HTTP port: the API, the fleet's live WebSocket and the dashboard's files.
import type { ServerWebSocket } from 'bun'
import type { HubContext } from './context.ts'
import type { FleetMessage } from './live/fleet-live.ts'
import { userFromToken } from '../server/auth-plugin.ts'
import { MAX_REQUEST_BODY_BYTES, METRICS_PATH, metricsRequest, sameOriginOrNone, withApiHeaders } from '../server/front-door.ts'
import { rememberPeer } from '../server/peer.ts'

export interface StaticSite {
  serve(req: Request): Response | Promise<Response> | null
}

interface LiveData { uid: number; username: string; robotId: string | null; unsubscribe?: () => void; endSession?: () => void }

const MAX_BUFFERED = 1 << 20

export function startHubServer(ctx: HubContext, api: { handle(req: Request): Promise<Response> }, site: StaticSite | null) {
  const json = (status: number, body: unknown) => withApiHeaders(Response.json(body, { status }))
  return Bun.serve<LiveData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    async fetch(req, server) {
      const url = new URL(req.url)
      if (url.pathname === '/api/v1/live') {
        if (!sameOriginOrNone(req)) return json(403, { error: 'forbidden', message: 'the live feed from another site is refused' })
        const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
        const user = await userFromToken(url.searchParams.get('token') ?? bearer, ctx.authSources)
        if (!user) return json(401, { error: 'unauthorized', message: 'a valid token is required (?token= or Authorization)' })
        const robotId = url.searchParams.get('robot_id')
        if (server.upgrade(req, { data: { uid: user.uid, username: user.username, robotId } })) return undefined
        return json(400, { error: 'invalid_request', message: 'expected a WebSocket upgrade' })
      }
      if (url.pathname.startsWith('/api/') || url.pathname === METRICS_PATH) {
        const r = url.pathname === METRICS_PATH ? metricsRequest(req) : req
        rememberPeer(r, { requestIP: () => server.requestIP(req) })
        return withApiHeaders(await api.handle(r))
      }
      const r = site ? await site.serve(req) : null
      return r ?? json(404, { error: 'not_found', message: 'no such page' })
    },
    websocket: {
      idleTimeout: 120,
      open(ws: ServerWebSocket<LiveData>) {
        ws.send(JSON.stringify({ type: 'hello', user: ws.data.username, robot_id: ws.data.robotId, ts: Date.now() }))
        // Samples are skipped for a browser that cannot keep up; events never are.
        ws.data.unsubscribe = ctx.live.subscribe((m: FleetMessage) => {
          if (ws.data.robotId && m.robot_id !== ws.data.robotId) return
          if (m.type === 'samples' && ws.getBufferedAmount() > MAX_BUFFERED) return
          ws.send(JSON.stringify(m))
        })
        ws.data.endSession = ctx.live.session(ws.data.uid, () => ws.close(4001, 'your session ended: sign in again'))
      },
      message() {},
      close(ws: ServerWebSocket<LiveData>) {
        ws.data.unsubscribe?.()
        ws.data.endSession?.()
      },
    },
  })
}
