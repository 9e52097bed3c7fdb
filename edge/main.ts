// `bun run edge`: start the edge appliance with configuration from defaults < file
// (TONYPI_CONFIG, JSON) < environment. A bad value stops the start with its key named.
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { ConfigError, loadEdgeConfig, unknownEnvKeys } from '../core/config.ts'
import { createLogger } from '../core/log.ts'
import { isObj } from '../core/json-object.ts'
import { startEdge } from './edge.ts'
import { superviseEdge } from './watchdog.ts'
import { SystemdNotifier, watchdogIntervalMs } from '../server/sd-notify.ts'
import { ServiceStartError } from '../server/lifecycle.ts'
import { dashboardSite } from './site.ts'

function fail(message: string): never {
  process.stderr.write(`tonypi-edge: ${message}\n`)
  process.exit(2)
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {}
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    fail(`configuration TONYPI_CONFIG: cannot read ${path}: ${(err as Error).message}`)
  }
  try {
    const v = JSON.parse(text)
    if (!isObj(v)) throw new Error('not a JSON object')
    return v
  } catch (err) {
    fail(`configuration TONYPI_CONFIG: ${path} is not a JSON object: ${(err as Error).message}`)
  }
}

const safeHost =
  hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '') || 'tonypi'
let cfg
try {
  cfg = loadEdgeConfig({ defaults: { robotId: safeHost }, file: readConfigFile(process.env.TONYPI_CONFIG), env: process.env })
} catch (err) {
  if (err instanceof ConfigError) fail(err.message)
  throw err
}
const log = createLogger({ level: cfg.logLevel, component: 'edge' })
for (const k of unknownEnvKeys(process.env)) log.warn('unknown TONYPI_ variable ignored (a typo?)', { key: k })

let edge
try {
  edge = await startEdge(cfg, log, { site: dashboardSite(), collectEveryMs: 5_000 })
} catch (thrown) {
  // What the part that did not start threw says best what to do.
  const err = thrown instanceof ServiceStartError ? thrown.cause : thrown
  if (err instanceof ConfigError) fail(err.message)
  if ((err as { name?: string }).name === 'TransportError') fail(`cannot reach the robot: ${(err as Error).message}`)
  if ((err as { code?: string }).code === 'EADDRINUSE') fail(`a port is already in use (${(err as Error).message}); set TONYPI_HTTP_PORT / TONYPI_MQTT_PORT`)
  throw thrown
}

const lines = [
  '',
  `  TonyPi edge is running (robot ${cfg.robotId}, profile ${edge.driver.profile})`,
  `  Dashboard:  ${edge.url}`,
  `  API docs:   ${edge.url}api/v1/docs`,
  `  MQTT:       mqtt://localhost:${edge.mqttPort}  (and ws://localhost:${edge.httpPort}/mqtt)`,
]
if (edge.firstAdmin.password) {
  lines.push(`  Log in as:  admin / ${edge.firstAdmin.password}`)
  lines.push(`              (generated once; also saved in ${edge.firstAdmin.passwordFile}, mode 0600)`)
} else if (edge.firstAdmin.created) {
  lines.push('  Log in as:  admin, with the password from TONYPI_ADMIN_PASSWORD')
} else {
  lines.push(`  Log in as:  an existing user (the first admin's generated password is in ${cfg.dataDir}/admin-password if it was generated)`)
}
process.stderr.write(lines.join('\n') + '\n\n')

// Under systemd (Type=notify): ready now, and the watchdog fed from the edge's health.
const notifier = SystemdNotifier.fromEnv()
const supervised = notifier ? superviseEdge(edge.ctx, notifier, watchdogIntervalMs()) : null

let stopping = false
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return
    stopping = true
    supervised?.stop()
    log.info('signal received, shutting down', { signal: sig })
    edge.stop().then(
      () => process.exit(0),
      (err) => {
        log.error('shutdown failed', { error: err as Error })
        process.exit(1)
      },
    )
  })
}
