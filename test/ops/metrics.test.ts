// /metrics on a real edge syncing to a real hub: Prometheus' text format as a scraper reads it,
// who may read it (the host itself, a metrics-scope token, an admin; nobody else, and the token
// nothing else), how an admin gets that token and how it ends; and every query of Grafana's
// operations dashboard names metrics and labels the endpoints really serve.
import { liveProtocols } from '../../core/live/protocol.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { BusStats } from '../../drivers/bus/bus-stats.ts'
import { createApi } from '../../edge/api/routes.ts'
import { createHubApi } from '../../hub/api/routes.ts'
import { OPERATIONS } from '../../hub/grafana/operations.ts'
import { panelQueries } from '../../hub/grafana/dashboards.ts'
import { rememberPeer } from '../../server/peer.ts'
import { mqttConnect } from '../../tools/services/test-helpers.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { call, registerRobot } from '../support/sync-harness.ts'
import { parseExposition, type Family } from '../support/prometheus-text.ts'

const ROBOT = 'metricsbot'
let hub: HubHarness
let edge: EdgeHarness
let robotToken: string
let hook: ReturnType<typeof Bun.serve>

beforeAll(async () => {
  hook = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('ok') })
  hub = await startTestHub({ TONYPI_HUB_ALERT_WEBHOOK_URL: `http://127.0.0.1:${hook.port}/hook` })
  robotToken = await registerRobot(hub, ROBOT)
  edge = await startTestEdge({ TONYPI_ROBOT_ID: ROBOT, TONYPI_HUB_URL: hub.base, TONYPI_HUB_TOKEN: robotToken })
  // The simulated robot given a servo bus of its own (the simulator has none), so the bus metrics have series.
  const bus = new BusStats('lx', () => ({ checksumErrors: 1, discardedBytes: 3 }))
  bus.requests = 10
  bus.timeouts = 2
  edge.edge.ctx.driver.busStatus = () => [bus.snapshot()]
  await waitFor(
    'the robot synced',
    async () => (await call(edge, 'GET', '/api/v1/sync/status')).body?.connected && edge.edge.ctx.sync.client!.sent.batches > 0,
    20_000,
    100,
  )
}, 120_000)

afterAll(async () => {
  await edge?.stop()
  await hub?.stop()
  hook?.stop(true)
})

async function scrape(base: string, path = '/metrics', token?: string): Promise<{ status: number; type: string | null; families: Map<string, Family> | null }> {
  const r = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const text = await r.text()
  return { status: r.status, type: r.headers.get('content-type'), families: r.status === 200 ? parseExposition(text) : null }
}

/** A request as it would come from another machine (the API reads the peer the front door saw). */
function fromElsewhere(app: { handle(r: Request): Promise<Response> }, path: string, auth?: string, init: RequestInit = {}): Promise<Response> {
  const req = new Request(`http://robot.example${path}`, {
    ...init,
    headers: { ...(auth ? { authorization: auth } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
  })
  rememberPeer(req, { requestIP: () => ({ address: '192.0.2.7' }) })
  return app.handle(req)
}

const value = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
  (f.get(name) ?? f.get(name.replace(/_(bucket|sum|count)$/, '')))?.series.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value

describe('the edge serves /metrics', () => {
  test('to a client on the robot itself, without a token, in Prometheus text format', async () => {
    await fetch(`${edge.base}/api/v1/robot/status`) // a request to be timed (refused: no token)
    const m = await scrape(edge.base)
    expect(m.status).toBe(200)
    expect(m.type).toBe('text/plain; version=0.0.4; charset=utf-8')
    const f = m.families!
    expect(value(f, 'tonypi_build_info', { robot_id: ROBOT, profile: 'sim' })).toBe(1)
    expect(value(f, 'tonypi_samples_total', { stream: 'imu' })).toBeGreaterThan(50)
    expect(value(f, 'tonypi_bus_timeouts_total', { bus: 'lx' })).toBe(2)
    expect(value(f, 'tonypi_bus_checksum_errors_total', { bus: 'lx' })).toBe(1)
    expect(value(f, 'tonypi_store_db_bytes')).toBeGreaterThan(0)
    expect(value(f, 'tonypi_store_journal_written_bytes_total')).toBeGreaterThan(0)
    expect(value(f, 'tonypi_sync_connected')).toBe(1)
    expect(value(f, 'tonypi_sync_batches_total')).toBeGreaterThan(0)
    expect(
      f
        .get('tonypi_sync_backlog_records')!
        .series.map((s) => s.labels.lane)
        .sort(),
    ).toEqual(['events', 'telemetry'])
    expect(value(f, 'tonypi_mqtt_clients')).toBeGreaterThanOrEqual(0)
    expect(value(f, 'tonypi_alerts_open', { severity: 'critical' })).toBe(0)
    expect(value(f, 'tonypi_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/robot/status', status: '401' })).toBeGreaterThanOrEqual(1)
    expect(value(f, 'process_resident_memory_bytes')).toBeGreaterThan(10e6)
    expect(value(f, 'tonypi_process_heap_bytes')).toBeGreaterThan(1e6)
    expect(value(f, 'tonypi_process_heap_bytes')).toBeLessThan(value(f, 'process_resident_memory_bytes')!)
    expect(value(f, 'tonypi_process_heap_external_bytes')).toBeGreaterThanOrEqual(0)
    expect(value(f, 'tonypi_process_heap_external_bytes')).toBeLessThanOrEqual(value(f, 'tonypi_process_heap_bytes')!)
    expect(value(f, 'process_open_fds')).toBeGreaterThan(5)
    // The API's own path serves the same.
    expect((await scrape(edge.base, '/api/v1/metrics')).families!.has('tonypi_store_db_bytes')).toBe(true)
  })

  test('from elsewhere: to a metrics-scope token or an admin only; the token opens nothing else', async () => {
    const app = createApi(edge.edge.ctx)
    expect((await fromElsewhere(app, '/api/v1/metrics')).status).toBe(401)
    expect((await fromElsewhere(app, '/api/v1/metrics', `Bearer ${await edge.tokenFor('operator')}`)).status).toBe(403)
    expect((await fromElsewhere(app, '/api/v1/metrics', `Bearer ${await edge.tokenFor('admin')}`)).status).toBe(200)
    // Only an admin issues one.
    const refused = await edge.api('/api/v1/auth/metrics-token', { method: 'POST', token: await edge.tokenFor('operator') })
    expect(refused.status).toBe(403)
    const issued = await edge.api('/api/v1/auth/metrics-token', { method: 'POST', token: await edge.tokenFor('admin'), json: { ttl_days: 30 } })
    expect(issued.status).toBe(200)
    const t = await issued.json()
    expect(t).toMatchObject({ token_type: 'bearer', scope: 'metrics', expires_in: 30 * 86_400 })
    const bearer = `Bearer ${t.access_token}`
    const ok = await fromElsewhere(app, '/api/v1/metrics', bearer)
    expect(ok.status).toBe(200)
    expect(parseExposition(await ok.text()).has('tonypi_samples_total')).toBe(true)
    for (const path of ['/api/v1/robot/status', '/api/v1/auth/me', '/api/v1/users'])
      expect(`${path} ${(await fromElsewhere(app, path, bearer)).status}`).toBe(`${path} 403`)
    expect((await fromElsewhere(app, '/api/v1/command', bearer, { method: 'POST', body: JSON.stringify({ type: 'stop' }) })).status).toBe(403)
    // Neither the live feed nor the broker take it as a person's token.
    const upgrade = { upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }
    expect(
      (await fetch(`${edge.base}/api/v1/live`, { headers: { ...upgrade, 'sec-websocket-protocol': liveProtocols(t.access_token).join(', ') } })).status,
    ).toBe(401)
    await expect(mqttConnect(`mqtt://127.0.0.1:${edge.edge.mqttPort}`, { username: 'admin', password: t.access_token, reconnectPeriod: 0 })).rejects.toThrow()
    // A bad term is refused; the issue is in the robot's log.
    expect((await edge.api('/api/v1/auth/metrics-token', { method: 'POST', token: await edge.tokenFor('admin'), json: { ttl_days: 0 } })).status).toBe(400)
    expect(edge.logs.some((l) => l.includes('metrics token issued'))).toBe(true)
  })

  test("a metrics token ends with its admin's tokens", async () => {
    const admin = await edge.login('admin', 'admin-test-password')
    const t = (await (await edge.api('/api/v1/auth/metrics-token', { method: 'POST', token: admin })).json()).access_token
    const app = createApi(edge.edge.ctx)
    expect((await fromElsewhere(app, '/api/v1/metrics', `Bearer ${t}`)).status).toBe(200)
    expect((await edge.api('/api/v1/auth/me/tokens/revoke', { method: 'POST', token: admin })).status).toBe(200)
    expect((await fromElsewhere(app, '/api/v1/metrics', `Bearer ${t}`)).status).toBe(401)
  })
})

describe('the hub serves /metrics', () => {
  test('to a client on its host, without a token: robots, sync, ingest, alerts, webhook, latency', async () => {
    const m = await scrape(hub.base)
    expect(m.status).toBe(200)
    const f = m.families!
    expect(value(f, 'tonypi_hub_robots', { state: 'registered' })).toBe(1)
    expect(value(f, 'tonypi_hub_robots', { state: 'online' })).toBe(1)
    expect(value(f, 'tonypi_hub_sync_lag_seconds', { robot_id: ROBOT })).toBeLessThan(30)
    expect(value(f, 'tonypi_hub_sync_batches_total', { outcome: 'applied' })).toBeGreaterThan(0)
    expect(value(f, 'tonypi_hub_mqtt_connected')).toBe(1)
    expect(value(f, 'tonypi_hub_webhook_deliveries_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(0)
    expect(value(f, 'tonypi_hub_webhook_outbox')).toBe(0)
    expect(f.get('tonypi_http_request_duration_seconds')!.series.some((s) => s.labels.route === '/api/v1/sync/batch')).toBe(true)
  })

  test('from elsewhere: a metrics-scope token or an admin; not a robot, not a viewer', async () => {
    const app = createHubApi(hub.hub.ctx)
    expect((await fromElsewhere(app, '/api/v1/metrics')).status).toBe(401)
    expect((await fromElsewhere(app, '/api/v1/metrics', `Bearer ${await hub.tokenFor('viewer')}`)).status).toBe(403)
    expect((await fromElsewhere(app, '/api/v1/metrics', `Basic ${Buffer.from(`robot-${ROBOT}:${robotToken}`).toString('base64')}`)).status).toBe(403)
    const t = (await (await hub.api('/api/v1/auth/metrics-token', { method: 'POST', token: await hub.tokenFor('admin') })).json()).access_token
    expect((await fromElsewhere(app, '/api/v1/metrics', `Bearer ${t}`)).status).toBe(200)
    expect((await fromElsewhere(app, '/api/v1/robots', `Bearer ${t}`)).status).toBe(403)
  })
})

/** Metric names a PromQL expression reads, with the labels it selects or groups by, and its job. */
function promUses(expr: string, legend = '') {
  const uses: { metric: string; job: string | null; labels: Map<string, string | null> }[] = []
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  const legendLabels = [...legend.matchAll(/\{\{\s*([a-zA-Z_]+)\s*\}\}/g)].map((m) => m[1]).filter((l) => l !== '__name__')
  for (const m of expr.matchAll(/\b((?:tonypi|process)_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const labels = new Map<string, string | null>()
    let job: string | null = null
    for (const lm of (m[3] ?? '').matchAll(/([a-zA-Z_]+)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)) {
      if (lm[1] === 'job') job = lm[3]
      else labels.set(lm[1], lm[2] === '=' ? lm[3] : null)
    }
    for (const l of [...grouped, ...legendLabels]) if (!labels.has(l)) labels.set(l, null)
    uses.push({ metric: m[1], job, labels })
  }
  return uses
}

describe("Grafana's operations dashboard", () => {
  test('every query names metrics and labels the edge and the hub serve', async () => {
    const served: Record<string, Map<string, Family>> = { 'tonypi-edge': (await scrape(edge.base)).families!, 'tonypi-hub': (await scrape(hub.base)).families! }
    const queries = panelQueries([OPERATIONS])
    expect(queries.length).toBeGreaterThan(20)
    const problems: string[] = []
    const targets = OPERATIONS.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, t })))
    for (const { panel, t } of targets) {
      if (!('expr' in t)) {
        problems.push(`${panel}: not a Prometheus query`)
        continue
      }
      const uses = promUses(t.expr, t.legendFormat)
      if (!uses.length) problems.push(`${panel}: names no metric of ours: ${t.expr}`)
      for (const u of uses) {
        const jobs = u.job === null ? ['tonypi-edge', 'tonypi-hub'] : u.job.split('|')
        const fams = jobs.map((j) => served[j]?.get(u.metric.replace(/_(bucket|sum|count)$/, '')) ?? served[j]?.get(u.metric)).filter((f): f is Family => !!f)
        if (!fams.length) {
          problems.push(`${panel}: ${u.metric} is not served by ${jobs.join(' or ')}`)
          continue
        }
        const series = fams.flatMap((f) => f.series)
        if (!series.length) {
          problems.push(`${panel}: ${u.metric} has no series to check its labels against`)
          continue
        }
        for (const [label, want] of u.labels) {
          if (label === 'instance' || label === 'job') continue // Prometheus adds them
          if (!series.some((s) => label in s.labels)) problems.push(`${panel}: ${u.metric} has no label ${label}`)
          else if (want !== null && !series.some((s) => s.labels[label] === want)) problems.push(`${panel}: ${u.metric} never has ${label}="${want}"`)
        }
      }
    }
    expect(problems).toEqual([])
  })
})
