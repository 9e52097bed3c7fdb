// Answers a browser's requests for the dashboard: hashed assets with year-long caching,
// and index.html for every other page path so deep links (/servos) survive a reload.
// Shared by the edge (one robot) and the hub (fleet), which says so in a config it injects.
import { uiConfigMeta, type UiConfig } from '../lib/ui-config.ts'
import { acceptedCoding } from './compression.ts'
import { ASSET_PREFIX, built, dashboardBundle, type BuiltFile, type DashboardBundle } from './bundle.ts'

export interface DashboardOptions {
  /** Put into index.html as `<meta name="tonypi-config">`: the hub's fleet mode, Grafana. */
  config?: UiConfig
  /** Origins the page may show in frames besides its own (Grafana's embedded panels). */
  frameOrigins?: string[]
}

export interface DashboardResponder {
  serve(req: Request): Response | Promise<Response> | null
  /** Resolves when the bundle is built (or rejects with the build error). */
  ready: Promise<DashboardBundle>
}

/**
 * Where the page may connect: its own origin, and WebSockets to its own host only ('self' does
 * not cover ws: in every browser; a bare ws: would let an injected script talk to any host).
 */
function connectSources(req: Request): string {
  const host = req.headers.get('host') ?? ''
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `'self' ws://${host} wss://${host}` : "'self'"
}

function contentSecurityPolicy(bundle: DashboardBundle, frameOrigins: string[], req: Request): string {
  return [
    "default-src 'self'",
    ...(frameOrigins.length ? [`frame-src 'self' ${frameOrigins.join(' ')}`] : []),
    `script-src 'self' '${bundle.inlineScriptHash}'`,
    // Preact writes style properties through the CSSOM, but a `style` attribute still needs this.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ${connectSources(req)}`,
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
  const coding = acceptedCoding(req)
  const body = coding ? file.encoded[coding] : (file.body ?? Bun.gunzipSync(file.encoded.gzip))
  if (coding) headers['content-encoding'] = coding
  headers['content-length'] = String(body.byteLength)
  return new Response(req.method === 'HEAD' ? null : body, { headers })
}

function failed(err: unknown): Response {
  const msg = String((err as Error)?.message ?? err).replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))
  return new Response(
    `<!doctype html><meta charset="utf-8"><title>Dashboard unavailable</title>
<h1>The dashboard could not be built</h1><pre>${msg}</pre><p>The API is still available at <a href="/api/v1/docs">/api/v1/docs</a>.</p>`,
    { status: 503, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  )
}

/** index.html with the config meta tag, built (hashed, compressed) once per responder. */
async function withConfig(b: DashboardBundle, config: UiConfig | undefined): Promise<BuiltFile> {
  if (!config) return b.index
  const html = new TextDecoder().decode(b.index.body!).replace('</title>', `</title>\n${uiConfigMeta(config)}`)
  return built('/', b.index.type, new TextEncoder().encode(html), false)
}

export function dashboardResponder(bundle: Promise<DashboardBundle> = dashboardBundle(), opts: DashboardOptions = {}): DashboardResponder {
  // Start building now so the first visitor does not wait; a failure is reported per request.
  bundle.catch(() => {})
  const index = bundle.then((b) => withConfig(b, opts.config))
  index.catch(() => {})
  const frameOrigins = opts.frameOrigins ?? []
  return {
    ready: bundle,
    serve(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return null
      const path = new URL(req.url).pathname
      const isAsset = path.startsWith(ASSET_PREFIX)
      // A path with a file extension outside /assets is a missing file (favicon.ico), not a page.
      if (!isAsset && /\.[A-Za-z0-9]+$/.test(path) && path !== '/index.html') return null
      return Promise.all([bundle, index]).then(([b, page]) => {
        if (isAsset) {
          const file = b.files.get(path)
          return file ? respond(req, file, {}) : new Response('not found', { status: 404 })
        }
        return respond(req, page, {
          'content-security-policy': contentSecurityPolicy(b, frameOrigins, req),
          'referrer-policy': 'no-referrer',
        })
      }, failed)
    },
  }
}
