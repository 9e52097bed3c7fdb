// Answers a browser's requests for the dashboard: hashed assets with year-long caching,
// and index.html for every other page path so deep links (/servos) survive a reload.
// Shared by the edge (one robot) and, later, the hub (fleet).
import { ASSET_PREFIX, dashboardBundle, type BuiltFile, type DashboardBundle } from './bundle.ts'

export interface DashboardResponder {
  serve(req: Request): Response | Promise<Response> | null
  /** Resolves when the bundle is built (or rejects with the build error). */
  ready: Promise<DashboardBundle>
}

function acceptsGzip(req: Request): boolean {
  const header = req.headers.get('accept-encoding') ?? ''
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';')
    if (coding.trim().toLowerCase() !== 'gzip') return false
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return !q || Number(q.slice(2)) > 0
  })
}

function contentSecurityPolicy(bundle: DashboardBundle): string {
  return [
    "default-src 'self'",
    `script-src 'self' '${bundle.inlineScriptHash}'`,
    // Preact writes style properties through the CSSOM, but a `style` attribute still needs this.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ')
}

function respond(req: Request, file: BuiltFile, extra: Record<string, string>): Response {
  const headers: Record<string, string> = {
    'content-type': file.type,
    etag: file.etag,
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...extra,
  }
  if (req.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers })
  const gzip = acceptsGzip(req)
  const body = gzip ? file.gzip : file.body
  if (gzip) headers['content-encoding'] = 'gzip'
  headers['content-length'] = String(body.byteLength)
  return new Response(req.method === 'HEAD' ? null : body, { headers })
}

function failed(err: unknown): Response {
  const msg = String((err as Error)?.message ?? err).replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))
  return new Response(`<!doctype html><meta charset="utf-8"><title>Dashboard unavailable</title>
<h1>The dashboard could not be built</h1><pre>${msg}</pre><p>The API is still available at <a href="/api/v1/docs">/api/v1/docs</a>.</p>`,
  { status: 503, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } })
}

export function dashboardResponder(bundle: Promise<DashboardBundle> = dashboardBundle()): DashboardResponder {
  // Start building now so the first visitor does not wait; a failure is reported per request.
  bundle.catch(() => {})
  return {
    ready: bundle,
    serve(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return null
      const path = new URL(req.url).pathname
      const isAsset = path.startsWith(ASSET_PREFIX)
      // A path with a file extension outside /assets is a missing file (favicon.ico), not a page.
      if (!isAsset && /\.[A-Za-z0-9]+$/.test(path) && path !== '/index.html') return null
      return bundle.then((b) => {
        if (isAsset) {
          const file = b.files.get(path)
          return file ? respond(req, file, {}) : new Response('not found', { status: 404 })
        }
        return respond(req, b.index, {
          'content-security-policy': contentSecurityPolicy(b),
          'referrer-policy': 'no-referrer',
        })
      }, failed)
    },
  }
}
