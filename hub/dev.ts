// `bun run hub:dev`: throwaway PostgreSQL, InfluxDB and Mosquitto from Debian's packages on
// free loopback ports (installed if missing, reused with the same data directory), and the
// hub against them. Everything stops together.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createLogger } from '../core/log.ts'
import { runHub } from './main.ts'
import { startDevServices } from './services/dev-services.ts'

const dataDir = resolve(process.env.TONYPI_HUB_DATA_DIR ?? './hub-data')
// PostgreSQL runs as its own system user and must be able to pass through to its data
// directory: search-only for others (the secrets inside are 0600 files).
mkdirSync(dataDir, { recursive: true })
chmodSync(dataDir, 0o711)
const log = createLogger({ level: 'info', component: 'hub-dev' })
const services = await startDevServices(dataDir, { log })
const pidFile = join(dataDir, 'mosquitto.pid')
writeFileSync(pidFile, `${services.mosquitto.pid}\n`)
process.stderr.write(`\n  services: ${services.servicesFile}\n`)

const hub = await runHub({
  ...process.env,
  TONYPI_HUB_DATA_DIR: dataDir,
  DATABASE_URL: services.postgres_url,
  TONYPI_HUB_INFLUX_URL: services.influx_url,
  TONYPI_HUB_INFLUX_DB: services.influx_db,
  TONYPI_HUB_INFLUX_USER: services.influx_username,
  TONYPI_HUB_INFLUX_PASSWORD: services.influx_password,
  TONYPI_HUB_GRAFANA_DATABASE_URL: services.grafana_postgres_url,
  TONYPI_HUB_GRAFANA_INFLUX_USER: services.grafana_influx_username,
  TONYPI_HUB_GRAFANA_INFLUX_PASSWORD: services.grafana_influx_password,
  TONYPI_HUB_MQTT_URL: services.mqtt_url,
  TONYPI_HUB_MQTT_USER: services.mqtt_username,
  TONYPI_HUB_MQTT_PASSWORD: services.mqtt_password,
  TONYPI_HUB_MOSQUITTO_PASSWORD_FILE: services.mosquitto_password_file,
  TONYPI_HUB_MOSQUITTO_ACL_FILE: services.mosquitto_acl_file,
  TONYPI_HUB_MOSQUITTO_PID_FILE: pidFile,
  TONYPI_HUB_GRAFANA_PROVISIONING_DIR: services.grafana_provisioning_dir,
}, { signals: false })
let stopping = false
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, async () => {
    if (stopping) return
    stopping = true
    await hub.stop()
    await services.stop()
    process.exit(0)
  })
}
