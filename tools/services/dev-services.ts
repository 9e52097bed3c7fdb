// The hub's throwaway backing services for development and tests: PostgreSQL, InfluxDB and
// Mosquitto from Debian's packages (installed when missing and we are root), each in its own
// folder of one data directory, on free loopback ports. A second start on the same directory
// reuses the data; only the ports (and so the URLs) change. What is running, and how to reach it,
// is written to <dataDir>/services.json (0600: it holds passwords) and removed again on stop().

import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from '../../core/log.ts'
import { silentLogger } from '../../core/log.ts'
import { MissingPackageError, ensureServicePackages, missingPackages } from './debian-packages.ts'
import { startPostgres, type PostgresService } from './postgres.ts'
import { startInfluxDB, type InfluxService } from './influxdb.ts'
import { startMosquitto, type MosquittoService } from './mosquitto.ts'
import { readSecretJson, writeSecretJson } from './secret-file.ts'
import { ensureHubTls } from './tls.ts'
import { ServiceExitedError } from './service-process.ts'

/** The contents of services.json: what the hub needs to reach its services. */
export interface ServicesJson {
  postgres_url: string
  influx_url: string
  influx_db: string
  influx_username: string
  influx_password: string
  /** Read-only accounts for Grafana's data sources (never the hub's own, which may write). */
  grafana_postgres_url: string
  grafana_influx_username: string
  grafana_influx_password: string
  /** Plain MQTT on loopback: the hub's own connection. */
  mqtt_url: string
  /** MQTT over TLS, as robots reach the broker (with tls). */
  mqtts_url?: string
  /** MQTT over WebSocket (over TLS with tls). */
  mqtt_ws_url?: string
  mqtt_username: string
  mqtt_password: string
  grafana_provisioning_dir: string
  mosquitto_password_file: string
  mosquitto_acl_file: string
  /** The hub's CA (robots pin it), its server certificate and key, and the CA's fingerprint (with tls). */
  tls_ca_file?: string
  tls_cert_file?: string
  tls_key_file?: string
  tls_ca_fingerprint?: string
}

/**
 * The hub's settings for these services (`pidFile`: where the broker's pid is, for reloads):
 * the one mapping `hub:dev`, the test harness and the benchmarks start a hub with.
 */
export function hubEnvFor(services: ServicesJson, pidFile: string): Record<string, string> {
  return {
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
  }
}

export interface DevServicesOptions {
  log?: Logger
  /** Install missing Debian packages when root (default true); otherwise missing ones are an error. */
  install?: boolean
  /** Mosquitto's WebSocket listener (default true). */
  websockets?: boolean
  /** A CA and server certificate in <dataDir>/tls, and the broker's TLS listeners (default true). */
  tls?: boolean
}

export interface DevServices extends ServicesJson {
  dataDir: string
  servicesFile: string
  postgres: PostgresService
  influxdb: InfluxService
  mosquitto: MosquittoService
  /** Stops all three (in parallel) and removes services.json. */
  stop(): Promise<void>
}

export const SERVICES_FILE = 'services.json'

/** Which services did not start and why: `summary` in one line, the message with each one's log. */
export class DevServicesError extends Error {
  readonly summary: string
  constructor(dir: string, reasons: readonly unknown[]) {
    const text = (r: unknown) => (r instanceof Error ? r.message : String(r))
    super(`dev services in ${dir} did not start:\n${reasons.map(text).join('\n')}`)
    this.name = 'DevServicesError'
    const line = (r: unknown) => (r instanceof ServiceExitedError ? r.summary : text(r).split('\n')[0])
    this.summary = `the services in ${dir} did not start: ${reasons.map(line).join('; ')}`
  }
}

export function readServicesJson(dataDir: string): ServicesJson | null {
  return readSecretJson<ServicesJson>(join(resolve(dataDir), SERVICES_FILE))
}

export async function startDevServices(dataDir: string, opts: DevServicesOptions = {}): Promise<DevServices> {
  const log = opts.log ?? silentLogger
  const dir = resolve(dataDir)
  if (opts.install === false) {
    const missing = missingPackages()
    if (missing.length) throw new MissingPackageError(missing)
  } else {
    await ensureServicePackages({ log })
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const grafana = join(dir, 'grafana', 'provisioning')
  mkdirSync(grafana, { recursive: true })
  const tls = opts.tls === false ? undefined : ensureHubTls(join(dir, 'tls'))

  const started = await Promise.allSettled([
    startPostgres({ dir: join(dir, 'postgres'), log }),
    startInfluxDB({ dir: join(dir, 'influxdb'), log }),
    startMosquitto({ dir: join(dir, 'mosquitto'), websockets: opts.websockets ?? true, tls, log }),
  ] as const)
  const [pg, influx, mqtt] = started
  if (pg.status === 'rejected' || influx.status === 'rejected' || mqtt.status === 'rejected') {
    // Nothing half-started is left behind: stop whichever did come up, then report all failures.
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)))
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []))
    throw new DevServicesError(dir, failed)
  }
  const postgres = pg.value
  const influxdb = influx.value
  const mosquitto = mqtt.value

  const config: ServicesJson = {
    postgres_url: postgres.url,
    influx_url: influxdb.url,
    influx_db: influxdb.db,
    influx_username: influxdb.username,
    influx_password: influxdb.password,
    grafana_postgres_url: postgres.readerUrl,
    grafana_influx_username: influxdb.reader.username,
    grafana_influx_password: influxdb.reader.password,
    mqtt_url: mosquitto.url,
    ...(mosquitto.tlsUrl ? { mqtts_url: mosquitto.tlsUrl } : {}),
    ...(mosquitto.wsUrl ? { mqtt_ws_url: mosquitto.wsUrl } : {}),
    mqtt_username: mosquitto.serviceUser.username,
    mqtt_password: mosquitto.serviceUser.password,
    grafana_provisioning_dir: grafana,
    mosquitto_password_file: mosquitto.passwordFile,
    mosquitto_acl_file: mosquitto.aclFile,
    ...(tls ? { tls_ca_file: tls.caFile, tls_cert_file: tls.certFile, tls_key_file: tls.keyFile, tls_ca_fingerprint: tls.caFingerprint } : {}),
  }
  const servicesFile = join(dir, SERVICES_FILE)
  writeSecretJson(servicesFile, config)

  let stopping: Promise<void> | null = null
  const stop = () => {
    stopping ??= (async () => {
      rmSync(servicesFile, { force: true })
      await Promise.all([postgres.stop(), influxdb.stop(), mosquitto.stop()])
    })()
    return stopping
  }
  return { ...config, dataDir: dir, servicesFile, postgres, influxdb, mosquitto, stop }
}
