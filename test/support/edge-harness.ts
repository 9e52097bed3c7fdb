// Starts a real edge in-process on free ports with a temporary data directory, and gives
// tests logged-in HTTP helpers. Shared by the edge, broker and dashboard tests.
import { tapBus } from './bus-tap.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadEdgeConfig, type EdgeConfig } from '../../core/config.ts'
import { createLogger, type Logger } from '../../core/log.ts'
import { apiClient, type ApiClient } from './api-client.ts'
import { startEdge, type RunningEdge } from '../../edge/edge.ts'
import { dashboardSite } from '../../edge/site.ts'
import type { RobotDriver } from '../../drivers/robot-driver.ts'
import type { SampleBus } from '../../edge/sample-bus.ts'
export { waitFor } from './wait-for.ts'

export const ADMIN_PASSWORD = 'admin-test-password'
/** HiWonder's real action groups, from the shared folder beside the repository. */
export const SHARED_ACTION_DIR = join(import.meta.dir, '..', '..', '..', 'shared', 'actiongroups')

export interface EdgeHarness extends ApiClient {
  edge: RunningEdge
  base: string
  dataDir: string
  logs: string[]
  stop(opts?: { keepData?: boolean }): Promise<void>
}

export async function startTestEdge(
  env: Record<string, string> = {},
  opts: { dataDir?: string; logLevel?: 'debug' | 'info'; driver?: RobotDriver } = {},
): Promise<EdgeHarness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tonypi-edge-'))
  const cfg: EdgeConfig = loadEdgeConfig({
    defaults: { robotId: 'testbot' },
    env: {
      TONYPI_HTTP_HOST: '127.0.0.1',
      TONYPI_MQTT_HOST: '127.0.0.1',
      TONYPI_HTTP_PORT: '0',
      TONYPI_MQTT_PORT: '0',
      TONYPI_DATA_DIR: dataDir,
      TONYPI_ADMIN_PASSWORD: ADMIN_PASSWORD,
      TONYPI_PROFILE: 'sim',
      TONYPI_ACTION_DIR: SHARED_ACTION_DIR,
      ...env,
    },
  })
  const logs: string[] = []
  const log: Logger = createLogger({ level: opts.logLevel ?? 'info', sink: (l) => logs.push(l) })
  const edge = await startEdge(cfg, log, { site: dashboardSite(), driver: opts.driver })
  const base = `http://127.0.0.1:${edge.httpPort}`

  const h: EdgeHarness = {
    edge,
    base,
    dataDir,
    logs,
    ...apiClient(base, ADMIN_PASSWORD),
    async stop(o = {}) {
      await edge.stop()
      if (!o.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return h
}

/**
 * Resolves with the servo positions of the `n`th position sweep from now. "The robot held
 * still" needs proof that it was read again meanwhile; a sleep on a loaded machine gives none.
 */
export function positionSweeps(bus: SampleBus, n: number, timeoutMs = 5000): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    let seen = 0
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${n} position sweeps (saw ${seen})`))
    }, timeoutMs)
    const off = tapBus(bus, (m) => {
      if (m.kind !== 'samples' || m.samples[0]?.values.position === undefined) return
      if (++seen < n) return
      clearTimeout(timer)
      off()
      resolve(new Map(m.samples.map((s) => [Number(s.source), s.values.position])))
    })
  })
}
