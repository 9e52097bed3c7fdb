// `bun tools/services/cli.ts <dataDir>`: starts the hub's dev services (PostgreSQL, InfluxDB,
// Mosquitto), prints services.json on stdout, and runs until Ctrl-C (or SIGTERM), then stops them.
// Progress goes to stderr as JSON log lines, so stdout is exactly the JSON a script can parse.

import { createLogger } from '../../core/log.ts'
import { startDevServices } from './dev-services.ts'

const USAGE = 'usage: bun tools/services/cli.ts <dataDir>'

async function main(argv: string[]): Promise<number> {
  const [dataDir, ...rest] = argv
  if (!dataDir || dataDir === '-h' || dataDir === '--help' || rest.length) {
    process.stderr.write(USAGE + '\n')
    return 2
  }
  const log = createLogger({ component: 'hub-services', sink: (line) => process.stderr.write(line + '\n') })
  // A signal during start-up must still stop what has started, so the handlers come first.
  let stopRequested!: () => void
  const stopSignal = new Promise<void>((r) => {
    stopRequested = r
  })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stopRequested())

  const services = await startDevServices(dataDir, { log })
  const { postgres: _p, influxdb: _i, mosquitto: _m, stop, dataDir: _d, servicesFile, ...config } = services
  process.stdout.write(JSON.stringify(config, null, 2) + '\n')
  log.info('running; Ctrl-C stops them', { servicesFile })
  // Signal handlers do not keep the event loop alive on their own.
  const keepAlive = setInterval(() => {}, 1 << 30)
  await stopSignal
  clearInterval(keepAlive)
  log.info('stopping')
  await stop()
  log.info('stopped')
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
