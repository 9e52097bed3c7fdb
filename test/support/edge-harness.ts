// Starts a real edge in-process on free ports with a temporary data directory, and gives
// tests logged-in HTTP helpers. Shared by the edge, broker and dashboard tests.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadEdgeConfig, type EdgeConfig } from '../../core/config.ts'
import { createLogger, type Logger } from '../../core/log.ts'
import type { Role } from '../../core/schemas.ts'
import { startEdge, type RunningEdge } from '../../edge/edge.ts'
import { dashboardSite } from '../../edge/site.ts'
import type { RobotDriver } from '../../drivers/robot-driver.ts'

export const ADMIN_PASSWORD = 'admin-test-password'
/** HiWonder's real action groups, from the shared folder beside the repository. */
export const SHARED_ACTION_DIR = join(import.meta.dir, '..', '..', '..', 'shared', 'actiongroups')

export interface EdgeHarness {
  edge: RunningEdge
  base: string
  dataDir: string
  logs: string[]
  login(username: string, password: string): Promise<string>
  /** Creates a user with this role (password `${role}-password`) and returns a token. */
  tokenFor(role: Role): Promise<string>
  api(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>
  stop(opts?: { keepData?: boolean }): Promise<void>
}

export async function startTestEdge(env: Record<string, string> = {}, opts: { dataDir?: string; logLevel?: 'debug' | 'info'; driver?: RobotDriver } = {}): Promise<EdgeHarness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tonypi-edge-'))
  const cfg: EdgeConfig = loadEdgeConfig({
    defaults: { robotId: 'testbot' },
    env: {
      TONYPI_HTTP_HOST: '127.0.0.1', TONYPI_MQTT_HOST: '127.0.0.1', TONYPI_HTTP_PORT: '0', TONYPI_MQTT_PORT: '0',
      TONYPI_DATA_DIR: dataDir, TONYPI_ADMIN_PASSWORD: ADMIN_PASSWORD, TONYPI_PROFILE: 'sim', TONYPI_ACTION_DIR: SHARED_ACTION_DIR, ...env,
    },
  })
  const logs: string[] = []
  const log: Logger = createLogger({ level: opts.logLevel ?? 'info', sink: (l) => logs.push(l) })
  const edge = await startEdge(cfg, log, { site: dashboardSite(), driver: opts.driver })
  const base = `http://127.0.0.1:${edge.httpPort}`
  const tokens = new Map<Role, string>()

  const h: EdgeHarness = {
    edge, base, dataDir, logs,
    async login(username, password) {
      const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
      if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${await r.text()}`)
      return (await r.json()).access_token
    },
    async tokenFor(role) {
      const cached = tokens.get(role)
      if (cached) return cached
      const admin = tokens.get('admin') ?? (await h.login('admin', ADMIN_PASSWORD))
      tokens.set('admin', admin)
      if (role === 'admin') return admin
      const username = `${role}-user`
      const r = await h.api('/api/v1/users', { token: admin, method: 'POST', json: { username, password: `${role}-password`, role } })
      if (r.status !== 201 && r.status !== 409) throw new Error(`create ${role}: ${r.status} ${await r.text()}`)
      const t = await h.login(username, `${role}-password`)
      tokens.set(role, t)
      return t
    },
    api(path, init = {}) {
      const headers = new Headers(init.headers)
      if (init.token) headers.set('authorization', `Bearer ${init.token}`)
      let body = init.body
      if (init.json !== undefined) { headers.set('content-type', 'application/json'); body = JSON.stringify(init.json) }
      return fetch(`${base}${path}`, { ...init, headers, body })
    },
    async stop(o = {}) {
      await edge.stop()
      if (!o.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return h
}

/** Polls until `check` returns a truthy value or the time runs out (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v) return v as NonNullable<T>
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await Bun.sleep(everyMs)
  }
}
