// Bundles the dashboard in memory when the server starts: no build step for the user, and
// the files a browser gets are minified, content-hashed and compressed once (brotli and gzip).
import { join } from 'node:path'
import { compressStatic, type Coding } from './compression.ts'

export interface BuiltFile {
  /** URL path, e.g. /assets/main-1a2b3c.js */
  path: string
  type: string
  /** The plain bytes; null for the bundle's files, which browsers take compressed: a client that
   * accepts no coding gets them unzipped on the way out (the edge's memory is scarce, that is rare). */
  body: Uint8Array<ArrayBuffer> | null
  /** The body in each coding a browser may accept, compressed as well as it can be, once. */
  encoded: Record<Coding, Uint8Array<ArrayBuffer>>
  etag: string
  /** Hashed names never change content, so browsers may keep them for a year. */
  immutable: boolean
}

export interface DashboardBundle {
  index: BuiltFile
  files: Map<string, BuiltFile>
  /** CSP hash of index.html's one inline script. */
  inlineScriptHash: string
}

const UI_DIR = join(import.meta.dir, '..')
export const ASSET_PREFIX = '/assets/'

const etagOf = (body: Uint8Array) => `"${Bun.hash(body).toString(36)}"`

/** A file made here (index.html, small): compressed on the thread pool. The bundle's files come compressed from the build child. */
export async function built(path: string, type: string, body: Uint8Array<ArrayBuffer>, immutable: boolean): Promise<BuiltFile> {
  return { path, type, body, encoded: await compressStatic(body), etag: etagOf(body), immutable }
}

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Buffer.from(digest).toString('base64')
}

/** The inline script that sets the theme before the stylesheet paints (no light flash on a dark phone). */
function themeScript(html: string): string {
  const m = /<script>([\s\S]*?)<\/script>/.exec(html)
  if (!m) throw new Error('ui/index.html: the inline theme script is missing')
  return m[1]
}

interface ChildOutput {
  path: string
  kind: string
  type: string
  base64: string
  br: string
  gzip: string
}

/** Bundles in a child process (ui/server/build-child.ts): see there for why. */
async function bundleInChild(): Promise<ChildOutput[]> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, 'build-child.ts'), ASSET_PREFIX], { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new Error(`the dashboard did not build:\n${err.trim()}`)
  return JSON.parse(out) as ChildOutput[]
}

export async function buildDashboard(): Promise<DashboardBundle> {
  const outputs = await bundleInChild()
  const files = new Map<string, BuiltFile>()
  let script = ''
  let style = ''
  const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'))
  for (const out of outputs) {
    const name = out.path.replace(/^\.\//, '')
    const path = ASSET_PREFIX + name
    files.set(path, {
      path,
      type: out.type,
      body: null,
      encoded: { br: bytes(out.br), gzip: bytes(out.gzip) },
      etag: etagOf(bytes(out.base64)),
      immutable: out.kind !== 'sourcemap',
    })
    if (out.kind === 'entry-point') script = path
    else if (name.endsWith('.css')) style = path
  }
  if (!script || !style) throw new Error('the dashboard build produced no script or no stylesheet')

  const template = await Bun.file(join(UI_DIR, 'index.html')).text()
  const html = template.replace('%STYLE%', style).replace('%SCRIPT%', script)
  const index = await built('/', 'text/html; charset=utf-8', new TextEncoder().encode(html), false)
  return { index, files, inlineScriptHash: `sha256-${await sha256Base64(themeScript(html))}` }
}

let shared: Promise<DashboardBundle> | null = null

/** One build per process: the sources do not change while it runs, and an edge, a hub and
 * every test edge in one process serve the same files. */
export function dashboardBundle(): Promise<DashboardBundle> {
  shared ??= buildDashboard()
  return shared
}
