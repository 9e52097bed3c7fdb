// Hub configuration: defaults < file (TONYPI_HUB_CONFIG, JSON) < environment, validated at
// start with an error that names the bad key. `bun run hub:dev` fills in the service URLs.
import { Type as T, type Static } from '@sinclair/typebox'
import { loadConfig, logLevel, setting as s, type ConfigSources, type SettingMeta } from '../core/config.ts'

const url = (schemes: string, meta: SettingMeta) => s.string({ ...meta, pattern: `^(${schemes})://\\S+$`, hint: `a ${schemes.split('|').join(' or ')} URL` })

export const HUB_CONFIG_SPEC = T.Object({
  databaseUrl: T.Optional(url('postgres|postgresql', { env: 'DATABASE_URL', secret: true, description: 'PostgreSQL connection URL' })),
  influxUrl: T.Optional(
    url('http|https', { env: 'TONYPI_HUB_INFLUX_URL', description: 'InfluxDB base URL (v1 HTTP API: /write and /query work on 1.x and 2.x)' }),
  ),
  influxDb: s.string({
    env: 'TONYPI_HUB_INFLUX_DB',
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    hint: 'letters, digits, _ and -',
    default: 'tonypi',
    description: 'InfluxDB database (on 2.x: the DBRP-mapped name)',
  }),
  influxUser: T.Optional(s.string({ env: 'TONYPI_HUB_INFLUX_USER', description: 'InfluxDB 1.x user (with TONYPI_HUB_INFLUX_PASSWORD)' })),
  influxPassword: T.Optional(s.string({ env: 'TONYPI_HUB_INFLUX_PASSWORD', secret: true, description: 'InfluxDB 1.x password' })),
  influxToken: T.Optional(s.string({ env: 'TONYPI_HUB_INFLUX_TOKEN', secret: true, description: 'InfluxDB 2.x token (sent as `Authorization: Token ...`)' })),
  mqttUrl: T.Optional(url('mqtt|mqtts|ws|wss', { env: 'TONYPI_HUB_MQTT_URL', description: "the fleet's Mosquitto broker" })),
  publicMqttUrl: T.Optional(
    url('mqtt|mqtts', {
      env: 'TONYPI_HUB_PUBLIC_MQTT_URL',
      description: 'the fleet broker as robots reach it (told to each robot when it syncs; default TONYPI_HUB_MQTT_URL)',
    }),
  ),
  mqttUser: s.string({
    env: 'TONYPI_HUB_MQTT_USER',
    pattern: /^[A-Za-z0-9_.-]{1,64}$/,
    hint: 'a broker username',
    default: 'tonypi-hub',
    description: "the hub's own broker account",
  }),
  mqttPassword: T.Optional(s.string({ env: 'TONYPI_HUB_MQTT_PASSWORD', secret: true, description: "the hub's broker password" })),
  mosquittoPasswordFile: T.Optional(
    s.string({ env: 'TONYPI_HUB_MOSQUITTO_PASSWORD_FILE', description: "Mosquitto's password_file, which the hub writes from its robots and users" }),
  ),
  mosquittoAclFile: T.Optional(s.string({ env: 'TONYPI_HUB_MOSQUITTO_ACL_FILE', description: "Mosquitto's acl_file, which the hub writes" })),
  mosquittoPidFile: T.Optional(
    s.string({ env: 'TONYPI_HUB_MOSQUITTO_PID_FILE', description: 'where Mosquitto writes its pid: the hub sends it SIGHUP to reload the files' }),
  ),
  legacyMqttPort: T.Optional(
    s.int(0, 65535, {
      env: 'TONYPI_HUB_LEGACY_MQTT_PORT',
      description:
        'opt-in, off unless set: a listener of its own for robots still running the earlier Python client unchanged (it has no credentials); it admits only TONYPI_HUB_LEGACY_ROBOTS, which are then NOT authenticated (0 = any free port)',
    }),
  ),
  legacyMqttHost: s.string({
    env: 'TONYPI_HUB_LEGACY_MQTT_HOST',
    default: '0.0.0.0',
    description: "address of the earlier client's listener (bind it to the robots' network only)",
  }),
  legacyRobots: T.Optional(
    s.string({
      env: 'TONYPI_HUB_LEGACY_ROBOTS',
      pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(,[A-Za-z0-9][A-Za-z0-9_.-]{0,63})*$/,
      hint: 'robot ids separated by commas, e.g. tonypi_lab1,tonypi_lab2',
      description: "the robot ids the earlier client's listener admits (its client id is its robot id); each must be registered (POST robots)",
    }),
  ),
  httpHost: s.string({ env: 'TONYPI_HUB_HTTP_HOST', default: '0.0.0.0', description: 'address the fleet API and dashboard listen on' }),
  httpPort: s.int(0, 65535, { env: 'TONYPI_HUB_HTTP_PORT', default: 8000, description: 'fleet API and dashboard port (0 = any free port)' }),
  tlsCert: T.Optional(
    s.string({ env: 'TONYPI_HUB_TLS_CERT', description: "the hub's certificate (PEM, intermediates after it): the API is then served over HTTPS only" }),
  ),
  tlsKey: T.Optional(s.string({ env: 'TONYPI_HUB_TLS_KEY', description: "the certificate's private key (PEM)" })),
  tlsCa: T.Optional(
    s.string({
      env: 'TONYPI_HUB_TLS_CA',
      description: "the CA robots pin (PEM): handed to a robot as it registers (GET tls/ca), and trusted for the hub's own mqtts:// connection",
    }),
  ),
  replicaId: T.Optional(
    s.string({
      env: 'TONYPI_HUB_REPLICA_ID',
      pattern: /^[A-Za-z0-9_.-]{1,64}$/,
      hint: 'letters, digits, _ . -',
      description: "this process's name among the hub's replicas (default: the host name and the HTTP port); running replicas must not share one",
    }),
  ),
  dataDir: s.string({ env: 'TONYPI_HUB_DATA_DIR', default: './hub-data', description: 'secrets and generated files (Grafana provisioning)' }),
  jwtSecret: T.Optional(
    s.string({
      env: 'TONYPI_HUB_JWT_SECRET',
      pattern: /^.{32,}$/,
      hint: 'at least 32 characters',
      secret: true,
      description: 'token signing secret (otherwise generated into a 0600 file)',
    }),
  ),
  adminPassword: T.Optional(
    s.string({
      env: 'TONYPI_ADMIN_PASSWORD',
      pattern: /^.{8,256}$/,
      hint: 'at least 8 characters',
      secret: true,
      description: "first run only: the first admin's password",
    }),
  ),
  geminiApiKey: T.Optional(s.string({ env: 'GEMINI_API_KEY', secret: true, description: 'Google Gemini key for report narratives' })),
  geminiBaseUrl: T.Optional(
    url('http|https', { env: 'TONYPI_GEMINI_BASE_URL', description: 'another endpoint speaking the Gemini API (a proxy, or a local stand-in in tests)' }),
  ),
  offlineAfterS: s.number(1, 3600, { env: 'TONYPI_HUB_OFFLINE_AFTER_S', default: 30, description: 'a robot silent this long is offline' }),
  commandTimeoutMs: s.int(100, 60_000, {
    env: 'TONYPI_HUB_COMMAND_TIMEOUT_MS',
    default: 5000,
    description: "how long POST command waits for the robot's reply",
  }),
  logRetentionDays: s.number(1, 3650, {
    env: 'TONYPI_HUB_LOG_RETENTION_DAYS',
    default: 90,
    description: "system log rows (logins, registrations, robots' log lines, offline notices) older than this are deleted, hourly",
  }),
  alertIntervalS: s.number(0.05, 3600, {
    env: 'TONYPI_HUB_ALERT_INTERVAL_S',
    default: 5,
    description: 'how often the fleet alert rules (robot offline, sync lag and backlog) are evaluated',
  }),
  alertAutoResolve: s.bool({
    env: 'TONYPI_HUB_ALERT_AUTO_RESOLVE',
    default: true,
    description: "fleet alerts resolve themselves when their condition clears (and their rule's auto_resolve allows it); false leaves every one to an operator",
  }),
  alertWebhookUrl: T.Optional(
    url('http|https', {
      env: 'TONYPI_HUB_ALERT_WEBHOOK_URL',
      secret: true,
      description: 'where alert changes (open, severity change, resolve) are POSTed as JSON; such URLs often carry a token, so it is masked in logs',
    }),
  ),
  alertWebhookSecret: T.Optional(
    s.string({
      env: 'TONYPI_HUB_ALERT_WEBHOOK_SECRET',
      pattern: /^.{16,}$/,
      hint: 'at least 16 characters',
      secret: true,
      description: 'signs each webhook body: X-TonyPi-Signature: sha256=<hex HMAC-SHA256 of the body>',
    }),
  ),
  alertWebhookAttempts: s.int(1, 20, {
    env: 'TONYPI_HUB_ALERT_WEBHOOK_ATTEMPTS',
    default: 6,
    description: 'attempts per webhook delivery (the first included) before it is given up and logged',
  }),
  alertWebhookBackoffMs: s.int(10, 600_000, {
    env: 'TONYPI_HUB_ALERT_WEBHOOK_BACKOFF_MS',
    default: 2000,
    description: 'wait before the first retry; it doubles for each one after (at most 5 minutes)',
  }),
  alertWebhookTimeoutMs: s.int(100, 60_000, {
    env: 'TONYPI_HUB_ALERT_WEBHOOK_TIMEOUT_MS',
    default: 10_000,
    description: 'how long one webhook request may take',
  }),
  grafanaProvisioningDir: T.Optional(
    s.string({
      env: 'TONYPI_HUB_GRAFANA_PROVISIONING_DIR',
      description: "where to write Grafana's provisioning (data sources and dashboards); default <data dir>/grafana/provisioning",
    }),
  ),
  grafanaDatabaseUrl: T.Optional(
    url('postgres|postgresql', {
      env: 'TONYPI_HUB_GRAFANA_DATABASE_URL',
      secret: true,
      description: "a PostgreSQL role that may only SELECT, for Grafana's data source (never DATABASE_URL's: Grafana needs no write access)",
    }),
  ),
  grafanaInfluxUser: T.Optional(
    s.string({
      env: 'TONYPI_HUB_GRAFANA_INFLUX_USER',
      description: "an InfluxDB 1.x user with READ on the database only, for Grafana's data source (with TONYPI_HUB_GRAFANA_INFLUX_PASSWORD)",
    }),
  ),
  grafanaInfluxPassword: T.Optional(s.string({ env: 'TONYPI_HUB_GRAFANA_INFLUX_PASSWORD', secret: true, description: "that user's password" })),
  grafanaInfluxToken: T.Optional(
    s.string({ env: 'TONYPI_HUB_GRAFANA_INFLUX_TOKEN', secret: true, description: 'InfluxDB 2.x: a read-only token for Grafana' }),
  ),
  grafanaPrometheusUrl: s.string({
    env: 'TONYPI_HUB_GRAFANA_PROMETHEUS_URL',
    pattern: '^(http|https)://\\S+$',
    hint: 'a http or https URL',
    default: 'http://localhost:9090',
    description: "the Prometheus that scrapes the edges' and the hub's /metrics, for Grafana's operations dashboard",
  }),
  grafanaUrl: T.Optional(url('http|https', { env: 'TONYPI_HUB_GRAFANA_URL', description: 'Grafana, for the dashboard to embed panels' })),
  logLevel,
})

export type HubConfig = Static<typeof HUB_CONFIG_SPEC>

export function loadHubConfig(sources: ConfigSources<typeof HUB_CONFIG_SPEC>): HubConfig {
  return loadConfig(HUB_CONFIG_SPEC, sources)
}
