// Starts the real dev services (PostgreSQL, InfluxDB, Mosquitto from Debian's packages) and
// a hub in-process on free ports, with logged-in helpers. Shared by the hub tests.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../core/log.ts'
import { apiClient, type ApiClient } from './api-client.ts'
import { loadHubConfig } from '../../hub/config.ts'
import { startHub, type RunningHub } from '../../hub/hub.ts'
import { hubEnvFor, startDevServices, type DevServices } from '../../tools/services/dev-services.ts'
import { hubSite } from '../../hub/site.ts'

export const HUB_ADMIN_PASSWORD = 'hub-admin-password'

export interface HubHarness extends ApiClient {
  hub: RunningHub
  services: DevServices
  base: string
  /** With `tls`: the hub's CA (PEM). */
  ca?: string
  logs: string[]
  stop(): Promise<void>
}

/**
 * `tls`: the API over HTTPS and robots' broker URL over TLS, with the dev services' certificate.
 * `beforeHub` runs on the started services before the hub opens them (to load a database, say).
 */
export async function startTestHub(
  env: Record<string, string> = {},
  opts: { tls?: boolean; beforeHub?: (s: DevServices) => Promise<void> } = {},
): Promise<HubHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-hub-'))
  // PostgreSQL runs as its own system user, which must be able to reach its data directory.
  chmodSync(dir, 0o755)
  const services = await startDevServices(join(dir, 'services'))
  await opts.beforeHub?.(services)
  const pidFile = join(dir, 'mosquitto.pid')
  writeFileSync(pidFile, `${services.mosquitto.pid}\n`)
  const logs: string[] = []
  const cfg = loadHubConfig({
    env: {
      TONYPI_HUB_DATA_DIR: join(dir, 'hub'),
      TONYPI_HUB_HTTP_HOST: '127.0.0.1',
      TONYPI_HUB_HTTP_PORT: '0',
      ...hubEnvFor(services, pidFile),
      TONYPI_ADMIN_PASSWORD: HUB_ADMIN_PASSWORD,
      ...(opts.tls
        ? {
            TONYPI_HUB_TLS_CERT: services.tls_cert_file!,
            TONYPI_HUB_TLS_KEY: services.tls_key_file!,
            TONYPI_HUB_TLS_CA: services.tls_ca_file!,
            TONYPI_HUB_PUBLIC_MQTT_URL: services.mqtts_url!,
          }
        : {}),
      ...env,
    },
  })
  const hub = await startHub(cfg, createLogger({ level: 'info', sink: (l) => logs.push(l) }), {
    site: hubSite(cfg, createLogger({ level: 'warn', sink: (l) => logs.push(l) })),
  })
  const base = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${hub.httpPort}`
  const ca = opts.tls ? readFileSync(services.tls_ca_file!, 'utf8') : undefined
  const h: HubHarness = {
    hub,
    services,
    base,
    ca,
    logs,
    ...apiClient(base, HUB_ADMIN_PASSWORD, ca),
    async stop() {
      await hub.stop()
      await services.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return h
}
