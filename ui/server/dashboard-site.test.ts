import { expect, test } from 'bun:test'
import { brotliDecompressSync } from 'node:zlib'
import { dashboardResponder } from './dashboard-site.ts'

const site = dashboardResponder()
const get = async (path: string, headers: Record<string, string> = {}) => (await site.serve(new Request(`http://robot${path}`, { headers })))!

test('page paths get index.html (deep links), files outside /assets are not pages', async () => {
  await site.ready
  for (const p of ['/', '/servos', '/users']) expect((await get(p)).headers.get('content-type')).toContain('text/html')
  expect(site.serve(new Request('http://robot/favicon.ico'))).toBeNull()
  expect(site.serve(new Request('http://robot/', { method: 'POST' }))).toBeNull()
})

test('brotli or gzip only when the client accepts it (q=0 refuses), each decoding to the same file', async () => {
  const plain = await (await get('/')).text()
  const gz = await get('/', { 'accept-encoding': 'gzip, deflate' })
  expect(gz.headers.get('content-encoding')).toBe('gzip')
  expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toBe(plain)
  const br = await get('/', { 'accept-encoding': 'gzip, deflate, br' })
  expect(br.headers.get('content-encoding')).toBe('br')
  expect(brotliDecompressSync(new Uint8Array(await br.arrayBuffer())).toString()).toBe(plain)
  expect((await get('/', { 'accept-encoding': 'gzip;q=0, br' })).headers.get('content-encoding')).toBe('br')
  expect((await get('/', { 'accept-encoding': 'gzip;q=0, br;q=0' })).headers.get('content-encoding')).toBeNull()
  expect((await get('/')).headers.get('content-encoding')).toBeNull()
})

test('the inline theme script is allowed by hash, nothing else inline', async () => {
  const csp = (await get('/')).headers.get('content-security-policy')!
  const script = csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('script-src'))!
  expect(script).toMatch(/^script-src 'self' 'sha256-[A-Za-z0-9+/=]+'$/)
})

test("the hub's config travels in index.html (escaped), Grafana may be framed; without a config nothing changes", async () => {
  const { parseUiConfig, uiConfigMeta } = await import('../lib/ui-config.ts')
  const config = {
    mode: 'fleet' as const,
    grafana: { url: 'https://grafana.example/sub?x="<b>&y', robot: { uid: 'u', slug: 's', title: 'T', panels: [{ id: 1, title: 'a "b" <c>' }] } },
  }
  const fleet = dashboardResponder(undefined, { config, frameOrigins: ['https://grafana.example'] })
  const res = (await fleet.serve(new Request('http://hub/robots/r1/servos')))!
  const html = await res.text()
  const meta = /<meta name="tonypi-config" content="([^"]*)">/.exec(html)
  expect(meta).not.toBeNull()
  expect(html).not.toContain('<b>')
  // What the browser's attribute parsing gives back is the config itself.
  const attr = meta![1]
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
  expect(parseUiConfig(attr)).toEqual(config)
  expect(res.headers.get('content-security-policy')).toContain("frame-src 'self' https://grafana.example")
  // The edge's page: no config (one robot), no frames beyond its own.
  const edge = await get('/')
  expect(await edge.text()).not.toContain('tonypi-config')
  expect(edge.headers.get('content-security-policy')).not.toContain('frame-src')
  expect(parseUiConfig(null)).toEqual({ mode: 'robot' })
  expect(parseUiConfig('{"mode":"fleet","grafana":{"url":"javascript:alert(1)"}}')).toEqual({ mode: 'fleet', grafana: null })
  expect(parseUiConfig('not json')).toEqual({ mode: 'robot' })
  expect(uiConfigMeta({ mode: 'robot' })).toBe('<meta name="tonypi-config" content="{&quot;mode&quot;:&quot;robot&quot;}">')
})
