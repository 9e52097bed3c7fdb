// `bun run hub:dev`: throwaway PostgreSQL, InfluxDB and Mosquitto from Debian's packages on
// free loopback ports (installed if missing, reused with the same data directory), a CA and a
// server certificate of its own, and the hub against them over HTTPS, with robots' broker
// connections over TLS. Everything stops together. Whatever goes wrong is said in one line.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createLogger } from '../core/log.ts'
import { runHub } from '../hub/main.ts'
import { DevServicesError, hubEnvFor, startDevServices, type DevServices } from './services/dev-services.ts'
import { writeFileAtomic } from '../server/atomic-file.ts'

function fail(err: unknown): never {
  const text = err instanceof DevServicesError ? err.summary : err instanceof Error ? err.message : String(err)
  process.stderr.write(
    `hub:dev: ${text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join('; ')}\n`,
  )
  process.exit(1)
}

async function main() {
  const dataDir = resolve(process.env.TONYPI_HUB_DATA_DIR ?? './hub-data')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const log = createLogger({ level: 'info', component: 'hub-dev' })
  const services: DevServices = await startDevServices(dataDir, { log })
  const pidFile = join(dataDir, 'mosquitto.pid')
  writeFileAtomic(pidFile, `${services.mosquitto.pid}\n`)
  const stopServices = () => services.stop()
  const hub = await runHub(
    {
      ...process.env,
      TONYPI_HUB_DATA_DIR: dataDir,
      ...hubEnvFor(services, pidFile),
      TONYPI_HUB_GRAFANA_PROVISIONING_DIR: services.grafana_provisioning_dir,
      ...(services.tls_cert_file
        ? {
            TONYPI_HUB_TLS_CERT: services.tls_cert_file,
            TONYPI_HUB_TLS_KEY: services.tls_key_file,
            TONYPI_HUB_TLS_CA: services.tls_ca_file,
            // Robots reach the broker over TLS; the hub itself over the plain listener on loopback.
            TONYPI_HUB_PUBLIC_MQTT_URL: process.env.TONYPI_HUB_PUBLIC_MQTT_URL ?? services.mqtts_url,
          }
        : {}),
    },
    { signals: false },
  )
  process.stderr.write(
    [
      `  services:   ${services.servicesFile}`,
      ...(services.tls_ca_fingerprint
        ? [
            `  hub CA:     ${services.tls_ca_file}`,
            `              ${services.tls_ca_fingerprint}`,
            `  A robot:    npm run edge:register -- --hub ${hub.url.replace(/\/$/, '')} --ca-fingerprint ${services.tls_ca_fingerprint}`,
          ]
        : []),
      '',
      '',
    ].join('\n'),
  )
  let stopping = false
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, async () => {
      if (stopping) return
      stopping = true
      await hub.stop()
      await stopServices()
      process.exit(0)
    })
  }
}

await main().catch(fail)
