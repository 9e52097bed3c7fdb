// Hub configuration: defaults < file (TONYPI_HUB_CONFIG, JSON) < environment, validated at
// start with an error that names the bad key. `bun run hub:dev` fills in the service URLs.
import type { KeySpec } from '../core/config.ts'
import { loadConfig, type ConfigOf, type ConfigSources } from '../core/config.ts'

const url = (schemes: string) => ({ type: 'string', pattern: new RegExp(`^(${schemes})://\\S+$`), hint: `a ${schemes.split('|').join(' or ')} URL` }) as const

export const HUB_CONFIG_SPEC = {
  databaseUrl: { env: 'DATABASE_URL', kind: url('postgres|postgresql'), secret: true, doc: 'PostgreSQL connection URL' },
  influxUrl: { env: 'TONYPI_HUB_INFLUX_URL', kind: url('http|https'), doc: 'InfluxDB base URL (v1 HTTP API: /write and /query work on 1.x and 2.x)' },
  influxDb: { env: 'TONYPI_HUB_INFLUX_DB', kind: { type: 'string', pattern: /^[A-Za-z0-9_-]{1,64}$/, hint: 'letters, digits, _ and -' }, default: 'tonypi', doc: 'InfluxDB database (on 2.x: the DBRP-mapped name)' },
  influxUser: { env: 'TONYPI_HUB_INFLUX_USER', kind: { type: 'string' }, doc: 'InfluxDB 1.x user (with TONYPI_HUB_INFLUX_PASSWORD)' },
  influxPassword: { env: 'TONYPI_HUB_INFLUX_PASSWORD', kind: { type: 'string' }, secret: true, doc: 'InfluxDB 1.x password' },
  influxToken: { env: 'TONYPI_HUB_INFLUX_TOKEN', kind: { type: 'string' }, secret: true, doc: 'InfluxDB 2.x token (sent as `Authorization: Token ...`)' },
  mqttUrl: { env: 'TONYPI_HUB_MQTT_URL', kind: url('mqtt|mqtts|ws|wss'), doc: "the fleet's Mosquitto broker" },
  publicMqttUrl: { env: 'TONYPI_HUB_PUBLIC_MQTT_URL', kind: url('mqtt|mqtts'), doc: "the fleet broker as robots reach it (told to each robot when it syncs; default TONYPI_HUB_MQTT_URL)" },
  mqttUser: { env: 'TONYPI_HUB_MQTT_USER', kind: { type: 'string', pattern: /^[A-Za-z0-9_.-]{1,64}$/, hint: 'a broker username' }, default: 'tonypi-hub', doc: "the hub's own broker account" },
  mqttPassword: { env: 'TONYPI_HUB_MQTT_PASSWORD', kind: { type: 'string' }, secret: true, doc: "the hub's broker password" },
  mosquittoPasswordFile: { env: 'TONYPI_HUB_MOSQUITTO_PASSWORD_FILE', kind: { type: 'string' }, doc: "Mosquitto's password_file, which the hub writes from its robots and users" },
  mosquittoAclFile: { env: 'TONYPI_HUB_MOSQUITTO_ACL_FILE', kind: { type: 'string' }, doc: "Mosquitto's acl_file, which the hub writes" },
  mosquittoPidFile: { env: 'TONYPI_HUB_MOSQUITTO_PID_FILE', kind: { type: 'string' }, doc: 'where Mosquitto writes its pid: the hub sends it SIGHUP to reload the files' },
  legacyMqttPort: { env: 'TONYPI_HUB_LEGACY_MQTT_PORT', kind: { type: 'int', min: 0, max: 65535 }, doc: 'opt-in, off unless set: a listener of its own for robots still running the earlier Python client unchanged (it has no credentials); it admits only TONYPI_HUB_LEGACY_ROBOTS, which are then NOT authenticated (0 = any free port)' },
  legacyMqttHost: { env: 'TONYPI_HUB_LEGACY_MQTT_HOST', kind: { type: 'string' }, default: '0.0.0.0', doc: "address of the earlier client's listener (bind it to the robots' network only)" },
  legacyRobots: { env: 'TONYPI_HUB_LEGACY_ROBOTS', kind: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(,[A-Za-z0-9][A-Za-z0-9_.-]{0,63})*$/, hint: 'robot ids separated by commas, e.g. tonypi_lab1,tonypi_lab2' }, doc: "the robot ids the earlier client's listener admits (its client id is its robot id); each must be registered (POST robots)" },
  httpHost: { env: 'TONYPI_HUB_HTTP_HOST', kind: { type: 'string' }, default: '0.0.0.0', doc: 'address the fleet API and dashboard listen on' },
  httpPort: { env: 'TONYPI_HUB_HTTP_PORT', kind: { type: 'int', min: 0, max: 65535 }, default: 8000, doc: 'fleet API and dashboard port (0 = any free port)' },
  tlsCert: { env: 'TONYPI_HUB_TLS_CERT', kind: { type: 'string' }, doc: "the hub's certificate (PEM, intermediates after it): the API is then served over HTTPS only" },
  tlsKey: { env: 'TONYPI_HUB_TLS_KEY', kind: { type: 'string' }, doc: "the certificate's private key (PEM)" },
  tlsCa: { env: 'TONYPI_HUB_TLS_CA', kind: { type: 'string' }, doc: "the CA robots pin (PEM): handed to a robot as it registers (GET tls/ca), and trusted for the hub's own mqtts:// connection" },
  replicaId: { env: 'TONYPI_HUB_REPLICA_ID', kind: { type: 'string', pattern: /^[A-Za-z0-9_.-]{1,64}$/, hint: 'letters, digits, _ . -' }, doc: "this process's name among the hub's replicas (default: the host name and the HTTP port); running replicas must not share one" },
  dataDir: { env: 'TONYPI_HUB_DATA_DIR', kind: { type: 'string' }, default: './hub-data', doc: 'secrets and generated files (Grafana provisioning)' },
  jwtSecret: { env: 'TONYPI_HUB_JWT_SECRET', kind: { type: 'string', pattern: /^.{32,}$/, hint: 'at least 32 characters' }, secret: true, doc: 'token signing secret (otherwise generated into a 0600 file)' },
  adminPassword: { env: 'TONYPI_ADMIN_PASSWORD', kind: { type: 'string', pattern: /^.{8,256}$/, hint: 'at least 8 characters' }, secret: true, doc: "first run only: the first admin's password" },
  geminiApiKey: { env: 'GEMINI_API_KEY', kind: { type: 'string' }, secret: true, doc: 'Google Gemini key for report narratives' },
  geminiBaseUrl: { env: 'TONYPI_GEMINI_BASE_URL', kind: url('http|https'), doc: 'another endpoint speaking the Gemini API (a proxy, or a local stand-in in tests)' },
  offlineAfterS: { env: 'TONYPI_HUB_OFFLINE_AFTER_S', kind: { type: 'number', min: 1, max: 3600 }, default: 30, doc: 'a robot silent this long is offline' },
  commandTimeoutMs: { env: 'TONYPI_HUB_COMMAND_TIMEOUT_MS', kind: { type: 'int', min: 100, max: 60_000 }, default: 5000, doc: "how long POST command waits for the robot's reply" },
  logRetentionDays: { env: 'TONYPI_HUB_LOG_RETENTION_DAYS', kind: { type: 'number', min: 1, max: 3650 }, default: 90, doc: "system log rows (logins, registrations, robots' log lines, offline notices) older than this are deleted, hourly" },
  alertIntervalS: { env: 'TONYPI_HUB_ALERT_INTERVAL_S', kind: { type: 'number', min: 0.05, max: 3600 }, default: 5, doc: 'how often the fleet alert rules (robot offline, sync lag and backlog) are evaluated' },
  alertAutoResolve: { env: 'TONYPI_HUB_ALERT_AUTO_RESOLVE', kind: { type: 'bool' }, default: true, doc: "fleet alerts resolve themselves when their condition clears (and their rule's auto_resolve allows it); false leaves every one to an operator" },
  alertWebhookUrl: { env: 'TONYPI_HUB_ALERT_WEBHOOK_URL', kind: url('http|https'), secret: true, doc: 'where alert changes (open, severity change, resolve) are POSTed as JSON; such URLs often carry a token, so it is masked in logs' },
  alertWebhookSecret: { env: 'TONYPI_HUB_ALERT_WEBHOOK_SECRET', kind: { type: 'string', pattern: /^.{16,}$/, hint: 'at least 16 characters' }, secret: true, doc: 'signs each webhook body: X-TonyPi-Signature: sha256=<hex HMAC-SHA256 of the body>' },
  alertWebhookAttempts: { env: 'TONYPI_HUB_ALERT_WEBHOOK_ATTEMPTS', kind: { type: 'int', min: 1, max: 20 }, default: 6, doc: 'attempts per webhook delivery (the first included) before it is given up and logged' },
  alertWebhookBackoffMs: { env: 'TONYPI_HUB_ALERT_WEBHOOK_BACKOFF_MS', kind: { type: 'int', min: 10, max: 600_000 }, default: 2000, doc: 'wait before the first retry; it doubles for each one after (at most 5 minutes)' },
  alertWebhookTimeoutMs: { env: 'TONYPI_HUB_ALERT_WEBHOOK_TIMEOUT_MS', kind: { type: 'int', min: 100, max: 60_000 }, default: 10_000, doc: 'how long one webhook request may take' },
  grafanaProvisioningDir: { env: 'TONYPI_HUB_GRAFANA_PROVISIONING_DIR', kind: { type: 'string' }, doc: "where to write Grafana's provisioning (data sources and dashboards); default <data dir>/grafana/provisioning" },
  grafanaDatabaseUrl: { env: 'TONYPI_HUB_GRAFANA_DATABASE_URL', kind: url('postgres|postgresql'), secret: true, doc: "a PostgreSQL role that may only SELECT, for Grafana's data source (never DATABASE_URL's: Grafana needs no write access)" },
  grafanaInfluxUser: { env: 'TONYPI_HUB_GRAFANA_INFLUX_USER', kind: { type: 'string' }, doc: "an InfluxDB 1.x user with READ on the database only, for Grafana's data source (with TONYPI_HUB_GRAFANA_INFLUX_PASSWORD)" },
  grafanaInfluxPassword: { env: 'TONYPI_HUB_GRAFANA_INFLUX_PASSWORD', kind: { type: 'string' }, secret: true, doc: "that user's password" },
  grafanaInfluxToken: { env: 'TONYPI_HUB_GRAFANA_INFLUX_TOKEN', kind: { type: 'string' }, secret: true, doc: 'InfluxDB 2.x: a read-only token for Grafana' },
  grafanaPrometheusUrl: { env: 'TONYPI_HUB_GRAFANA_PROMETHEUS_URL', kind: url('http|https'), default: 'http://localhost:9090', doc: "the Prometheus that scrapes the edges' and the hub's /metrics, for Grafana's operations dashboard" },
  grafanaUrl: { env: 'TONYPI_HUB_GRAFANA_URL', kind: url('http|https'), doc: 'Grafana, for the dashboard to embed panels' },
  logLevel: { env: 'TONYPI_LOG_LEVEL', kind: { type: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', doc: 'lowest log level written' },
} as const satisfies Record<string, KeySpec>

export type HubConfig = ConfigOf<typeof HUB_CONFIG_SPEC>

export function loadHubConfig(sources: ConfigSources<typeof HUB_CONFIG_SPEC>): HubConfig {
  return loadConfig(HUB_CONFIG_SPEC, sources)
}
