// `bun run hub`: the fleet service, configured from defaults < file (TONYPI_HUB_CONFIG, JSON)
// < environment. A bad or missing value stops the start with the key named.
import { readFileSync } from 'node:fs'
import { ConfigError } from '../core/config.ts'
import { createLogger } from '../core/log.ts'
import { loadHubConfig } from './config.ts'
import { HubConfigError, startHub, type RunningHub } from './hub.ts'
import { hubSite } from './site.ts'
import { superviseHub } from './watchdog.ts'
import { SystemdNotifier, watchdogIntervalMs } from '../server/sd-notify.ts'

/** One line on stderr, never a stack trace: what is wrong and, where it helps, what to do. */
function fail(message: string): never {
  process.stderr.write(
    `tonypi-hub: ${message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join('; ')}\n`,
  )
  process.exit(2)
}

export async function runHub(env: Record<string, string | undefined>, opts: { signals?: boolean } = {}): Promise<RunningHub> {
  let file: Record<string, unknown> = {}
  if (env.TONYPI_HUB_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.TONYPI_HUB_CONFIG, 'utf8'))
    } catch (err) {
      fail(`configuration TONYPI_HUB_CONFIG: ${(err as Error).message}`)
    }
  }
  let cfg
  try {
    cfg = loadHubConfig({ file, env })
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  const log = createLogger({ level: cfg.logLevel, component: 'hub' })
  let hub: RunningHub
  try {
    // Less often than a robot's: the hub's heap is larger, so each collection takes longer, and it has no 80 MB ceiling.
    hub = await startHub(cfg, log, { site: hubSite(cfg, log.child('dashboard')), collectEveryMs: 15_000 })
  } catch (err) {
    if (err instanceof HubConfigError) fail(err.message)
    fail(`cannot start: ${(err as Error).message}`)
  }
  const lines = ['', `  TonyPi hub is running`, `  API:        ${hub.url}api/v1 (OpenAPI at ${hub.url}api/v1/openapi.json)`]
  if (hub.firstAdmin.password)
    lines.push(`  Log in as:  admin / ${hub.firstAdmin.password}`, `              (generated once; also saved in ${hub.firstAdmin.file}, mode 0600)`)
  process.stderr.write(lines.join('\n') + '\n\n')
  // Under systemd (Type=notify): ready now, and the watchdog fed while the hub turns its loop.
  const notifier = SystemdNotifier.fromEnv(env)
  const supervised = notifier ? superviseHub(hub.ctx, notifier, watchdogIntervalMs(env)) : null
  if (supervised) {
    const stop = hub.stop.bind(hub)
    hub.stop = async () => {
      supervised.stop()
      await stop()
    }
  }
  if (opts.signals === false) return hub
  let stopping = false
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) return
      stopping = true
      hub.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
  return hub
}

if (import.meta.main) await runHub(process.env)
