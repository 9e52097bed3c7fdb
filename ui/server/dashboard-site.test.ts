import { expect, test } from 'bun:test'
import { dashboardResponder } from './dashboard-site.ts'

const site = dashboardResponder()
const get = async (path: string, headers: Record<string, string> = {}) => (await site.serve(new Request(`http://robot${path}`, { headers })))!

test('page paths get index.html (deep links), files outside /assets are not pages', async () => {
  await site.ready
  for (const p of ['/', '/servos', '/users']) expect((await get(p)).headers.get('content-type')).toContain('text/html')
  expect(site.serve(new Request('http://robot/favicon.ico'))).toBeNull()
  expect(site.serve(new Request('http://robot/', { method: 'POST' }))).toBeNull()
})

test('gzip only when the client accepts it (q=0 refuses)', async () => {
  expect((await get('/', { 'accept-encoding': 'gzip, deflate' })).headers.get('content-encoding')).toBe('gzip')
  expect((await get('/', { 'accept-encoding': 'gzip;q=0, br' })).headers.get('content-encoding')).toBeNull()
  expect((await get('/')).headers.get('content-encoding')).toBeNull()
})

test('the inline theme script is allowed by hash, nothing else inline', async () => {
  const csp = (await get('/')).headers.get('content-security-policy')!
  const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'))!
  expect(script).toMatch(/^script-src 'self' 'sha256-[A-Za-z0-9+/=]+'$/)
})
