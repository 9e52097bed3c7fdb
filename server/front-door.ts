// What the edge's and the hub's front doors (edge/server.ts, hub/server.ts) do the same way
// around their API: the largest body any request may have (Bun refuses more with 413 before
// the API sees it), headers every API answer carries, and the Origin check for WebSockets.

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

/**
 * A browser sends the page's Origin with every WebSocket handshake and lets any page open
 * one to any host: a socket from another site's page is refused. Clients that are not
 * browsers send no Origin and are judged by their credentials alone.
 */
export function sameOriginOrNone(req: Request): boolean {
  const origin = req.headers.get('origin')
  if (origin === null) return true
  try {
    return new URL(origin).host === req.headers.get('host')
  } catch {
    return false
  }
}

/** Where Prometheus looks by default; the API serves the same at /api/v1/metrics. */
export const METRICS_PATH = '/metrics'

/** The request for /metrics as the API's route sees it. */
export function metricsRequest(req: Request): Request {
  const url = new URL(req.url)
  url.pathname = '/api/v1/metrics'
  return new Request(url, { method: req.method, headers: req.headers })
}
