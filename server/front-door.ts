// The edge's and the hub's one HTTP port (edge/server.ts, hub/server.ts) route the same way:
// WebSocket endpoints by path, then the API and /metrics, then the dashboard's files. Here is
// that routing, the largest body any request may have (Bun refuses more with 413 before the
// API sees it), the headers every API answer carries, and the endpoints for WebSockets.
import type { Server } from 'bun'
import { compressResponse } from '../ui/server/compression.ts'
import type { AuthSources } from './auth-plugin.ts'
import { authorizeLiveUpgrade } from './live-upgrade.ts'
import { rememberPeer } from './peer.ts'
import type { UserPrincipal } from './principal.ts'

/** The dashboard's files: a response for a path outside the API, or null for 404. */
export interface StaticSite {
  serve(req: Request): Response | Promise<Response> | null
}

export interface ApiHandler {
  handle(req: Request): Promise<Response>
}

/** A WebSocket endpoint: upgrades the request (undefined) or answers why not. */
export type SocketEndpoint<W> = (req: Request, server: Server<W>) => Response | undefined | Promise<Response | undefined>

/** The largest body of any request, whatever its route allows (server/body.ts caps each route lower). */
export const MAX_REQUEST_BODY_BYTES = 1 << 20

/**
 * API answers are data, never pages: no content sniffing, no caching of what may be a token
 * or personal data (a route that sets its own Cache-Control keeps it), no referrer.
 */
export function withApiHeaders(res: Response): Response {
  res.headers.set('x-content-type-options', 'nosniff')
  if (!res.headers.has('cache-control')) res.headers.set('cache-control', 'no-store')
  res.headers.set('referrer-policy', 'no-referrer')
  return res
}

/** Where Prometheus looks by default; the API serves the same at /api/v1/metrics. */
export const METRICS_PATH = '/metrics'

/** The request for /metrics as the API's route sees it. */
export function metricsRequest(req: Request): Request {
  const url = new URL(req.url)
  url.pathname = '/api/v1/metrics'
  return new Request(url, { method: req.method, headers: req.headers })
}

/** An API error answer outside the API itself (a refused upgrade, a page that is not there). */
export const apiError = (status: number, error: string, message: string) => withApiHeaders(Response.json({ error, message }, { status }))

/** Upgrades to a WebSocket carrying `data`, or says the request was not a WebSocket handshake. */
export function upgradeOrRefuse<W>(req: Request, server: Server<W>, data: W, headers?: Record<string, string>): Response | undefined {
  // Server<W>'s upgrade takes a conditional tuple a generic W cannot satisfy; the data is W either way.
  if ((server as Server<unknown>).upgrade(req, { data, headers })) return undefined
  return apiError(400, 'invalid_request', 'expected a WebSocket upgrade')
}

/** The live feed's endpoint: the user is checked before the upgrade; `data` is what the socket keeps of them. */
export function liveEndpoint<W>(sources: AuthSources, data: (user: UserPrincipal, url: URL) => W): SocketEndpoint<W> {
  return async (req, server) => {
    const live = await authorizeLiveUpgrade(req, sources)
    if (!live.ok) return apiError(live.status, live.error, live.message)
    return upgradeOrRefuse(req, server, data(live.user, new URL(req.url)), live.headers)
  }
}

/** Bun.serve's fetch for a front door: `sockets` by path (the live feed at LIVE_PATH among them), the API, the site. */
export function frontDoorFetch<W>(door: { api: ApiHandler; site: StaticSite | null; sockets: Record<string, SocketEndpoint<W>> }) {
  return async (req: Request, server: Server<W>): Promise<Response | undefined> => {
    const url = new URL(req.url)
    const socket = Object.hasOwn(door.sockets, url.pathname) ? door.sockets[url.pathname] : undefined
    if (socket) return socket(req, server)
    if (url.pathname.startsWith('/api/') || url.pathname === METRICS_PATH) {
      const r = url.pathname === METRICS_PATH ? metricsRequest(req) : req
      rememberPeer(r, { requestIP: () => server.requestIP(req) })
      return compressResponse(r, withApiHeaders(await door.api.handle(r)))
    }
    const r = door.site ? await door.site.serve(req) : null
    return r ?? apiError(404, 'not_found', 'no such page')
  }
}
