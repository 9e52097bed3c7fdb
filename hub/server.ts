// The hub's one HTTP port: the API, the fleet's live WebSocket and the dashboard's files.
import type { ServerWebSocket } from 'bun'
import type { HubContext } from './context.ts'
import { hubUser } from './api/auth.ts'
import type { FleetMessage } from './live/fleet-live.ts'
import { compressResponse } from '../ui/server/compression.ts'

export interface StaticSite {
  serve(req: Request): Response | Promise<Response> | null
}

interface LiveData { username: string; robotId: string | null; unsubscribe?: () => void }

const MAX_BUFFERED = 1 << 20

export function startHubServer(ctx: HubContext, api: { handle(req: Request): Promise<Response> }, site: StaticSite | null) {
  const json = (status: number, body: unknown) => Response.json(body, { status })
  return Bun.serve<LiveData>({
    hostname: ctx.config.httpHost,
    port: ctx.config.httpPort,
    async fetch(req, server) {
      const url = new URL(req.url)
      if (url.pathname === '/api/v1/live') {
        const token = url.searchParams.get('token')
        const user = await hubUser(ctx, token ? `Bearer ${token}` : req.headers.get('authorization'))
        if (!user) return json(401, { error: 'unauthorized', message: 'a valid token is required (?token= or Authorization)' })
        const robotId = url.searchParams.get('robot_id')
        if (server.upgrade(req, { data: { username: user.username, robotId } })) return undefined
        return json(400, { error: 'invalid_request', message: 'expected a WebSocket upgrade' })
      }
      if (url.pathname.startsWith('/api/')) return compressResponse(req, await api.handle(req))
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
      },
      message() {},
      close(ws: ServerWebSocket<LiveData>) {
        ws.data.unsubscribe?.()
      },
    },
  })
}
