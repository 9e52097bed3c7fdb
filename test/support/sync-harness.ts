// For the sync tests: a robot registered with a test hub, its credential, and waiting until it
// has sent everything it has (the check that follows is test/support/sync-agreement.ts).
import { join } from 'node:path'
import type { ApiClient } from './api-client.ts'
import type { EdgeHarness } from './edge-harness.ts'
import { waitFor } from './edge-harness.ts'
import type { HubHarness } from './hub-harness.ts'
import type { AgreementTargets } from './sync-agreement.ts'

/** An admin's call, with its JSON answer. */
export async function call(c: ApiClient, method: string, path: string, json?: unknown, role: 'admin' | 'operator' | 'viewer' = 'admin') {
  const r = await c.api(path, { method, token: await c.tokenFor(role), ...(json !== undefined ? { json } : {}) })
  return { status: r.status, body: await r.json().catch(() => null) }
}

export async function registerRobot(hub: HubHarness, robotId: string): Promise<string> {
  const r = await call(hub, 'POST', '/api/v1/robots', { robot_id: robotId })
  if (r.status !== 201) throw new Error(`registering ${robotId}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.credential.token
}

export function agreementTargets(hub: HubHarness, robotId: string, dataDir: string): AgreementTargets {
  const s = hub.services
  return {
    robotId,
    edgeDbPath: join(dataDir, 'edge.db'),
    postgresUrl: s.postgres_url,
    influx: { url: s.influx_url, db: s.influx_db, user: s.influx_username, password: s.influx_password },
  }
}

/** Writes the edge's pending tick and waits until the hub has acknowledged everything written so far. */
export async function waitCaughtUp(edge: EdgeHarness, timeoutMs = 30_000) {
  const { store, db, sync } = edge.edge.ctx
  store.flush(Date.now())
  const upTo = store.peekSeq() - 1
  const max = (sql: string) => (db.$client.query(sql).get(upTo) as { m: number | null }).m ?? 0
  const telemetry = max('SELECT max(seq) m FROM chunks WHERE seq <= ?')
  const events = Math.max(...['events', 'alerts', 'jobs', 'commands', 'reports'].map((t) => max(`SELECT max(seq) m FROM ${t} WHERE seq <= ?`)))
  edge.edge.ctx.sync.afterFlush()
  await waitFor(
    `the hub to acknowledge up to ${events}/${telemetry}`,
    () => {
      const s = sync.status()
      return s.cursor.events >= events && s.cursor.telemetry >= telemetry
    },
    timeoutMs,
    50,
  )
}
