// Assembles the hub from its parts and takes it apart again, in order. `startHub` is what
// the CLI runs and what the tests start in-process on free ports.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { describeConfig } from '../core/config.ts'
import type { AuthSources } from '../server/auth-plugin.ts'
import { HashGate } from '../server/hash-gate.ts'
import { AuthThrottle } from '../server/throttle.ts'
import type { Logger } from '../core/log.ts'
import { FleetAlerts } from './alerts/fleet-alerts.ts'
import { AlertWebhook } from './alerts/webhook.ts'
import { PgWebhookOutbox } from './alerts/webhook-outbox.ts'
import { createHubApi } from './api/routes.ts'
import { ensureHubAdmin } from './auth/first-run.ts'
import { loadJwtSecret } from '../core/secrets.ts'
import { HubUserRepo } from './auth/user-repo.ts'
import { HUB_CONFIG_SPEC, type HubConfig } from './config.ts'
import type { HubContext } from './context.ts'
import { openHubDatabase } from './db/database.ts'
import { InfluxQuery } from './influx/query.ts'
import { InfluxWriter } from './influx/writer.ts'
import { MqttBridge } from './mqtt/bridge.ts'
import { readServiceAccount, writeMosquittoAuth } from './mqtt/mosquitto-auth.ts'
import { HubRecords } from './records.ts'
import { scheduleSystemLogRetention } from './logs/log-retention.ts'
import { RobotRepo } from './robots/robot-repo.ts'
import { HubReports } from './reports/hub-reports.ts'
import { influxTelemetry } from './telemetry.ts'
import { writeGrafanaProvisioning } from './grafana/provisioning.ts'
import { FleetLive } from './live/fleet-live.ts'
import { startHubServer, type StaticSite } from './server.ts'
import { InfluxAckedWrites } from './influx/acked-writes.ts'
import { RobotRuleRepo } from './alerts/robot-rules.ts'
import { HubSync } from './sync/hub-sync.ts'
import { robotTopic } from '../core/topics.ts'

export interface RunningHub {
  ctx: HubContext
  httpPort: number
  url: string
  firstAdmin: { created: boolean; password?: string; file?: string }
  writer: InfluxWriter
  stop(): Promise<void>
}

export class HubConfigError extends Error {}

function withoutCredentials(url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.toString()
}

function required<T>(v: T | undefined, key: string): T {
  if (v === undefined || v === '') throw new HubConfigError(`configuration ${key}: required (bun run hub:dev starts local services and sets it)`)
  return v
}

export async function startHub(cfg: HubConfig, log: Logger, opts: { site?: StaticSite | null } = {}): Promise<RunningHub> {
  const dataDir = resolve(cfg.dataDir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  log.info('starting hub', { config: describeConfig(cfg, HUB_CONFIG_SPEC), data_dir: dataDir })
  const databaseUrl = required(cfg.databaseUrl, 'DATABASE_URL')
  const influxUrl = required(cfg.influxUrl, 'TONYPI_HUB_INFLUX_URL')
  const mqttUrl = required(cfg.mqttUrl, 'TONYPI_HUB_MQTT_URL')
  const mqttPassword = required(cfg.mqttPassword, 'TONYPI_HUB_MQTT_PASSWORD')

  const db = await openHubDatabase(databaseUrl)
  // The hub's own broker account is a name no person may take (its password line is the broker's).
  const users = new HubUserRepo(db, [cfg.mqttUser])
  const robots = new RobotRepo(db)
  const records = new HubRecords(db)
  const logRetention = scheduleSystemLogRetention({ db, retentionMs: cfg.logRetentionDays * 86_400_000, log: log.child('logs') })
  const jwtSecret = loadJwtSecret(dataDir, cfg.jwtSecret)
  const firstAdmin = await ensureHubAdmin(users, dataDir, cfg.adminPassword, log.child('auth'))
  const influxAuth = { user: cfg.influxUser, password: cfg.influxPassword, token: cfg.influxToken }
  const writer = new InfluxWriter({ url: influxUrl, db: cfg.influxDb, ...influxAuth, log: log.child('influx') })
  const telemetry = influxTelemetry({ url: influxUrl, db: cfg.influxDb, ...influxAuth })
  const grafanaDir = resolve(cfg.grafanaProvisioningDir ?? resolve(dataDir, 'grafana', 'provisioning'))
  // Grafana gets read-only accounts of its own, or none: never the hub's, which may write.
  const grafanaInfluxAuth = cfg.grafanaInfluxToken ? { token: cfg.grafanaInfluxToken } : cfg.grafanaInfluxUser ? { user: cfg.grafanaInfluxUser, password: cfg.grafanaInfluxPassword } : undefined
  if (!grafanaInfluxAuth && (cfg.influxUser || cfg.influxToken)) log.warn("Grafana's InfluxDB data source has no credentials: set TONYPI_HUB_GRAFANA_INFLUX_USER/_PASSWORD (a user with READ only) or _TOKEN")
  if (!cfg.grafanaDatabaseUrl) log.warn("Grafana's PostgreSQL data source has no credentials: set TONYPI_HUB_GRAFANA_DATABASE_URL (a role that may only SELECT)")
  const grafana = writeGrafanaProvisioning(grafanaDir, {
    influxUrl, influxDb: cfg.influxDb, influxAuth: grafanaInfluxAuth, postgresUrl: cfg.grafanaDatabaseUrl ?? withoutCredentials(databaseUrl),
    prometheusUrl: cfg.grafanaPrometheusUrl,
  })
  log.info('Grafana provisioning written', { dir: grafanaDir, dashboards: grafana.dashboards.length })

  const syncBrokerAuth = async () => {
    if (!cfg.mosquittoPasswordFile || !cfg.mosquittoAclFile) return
    const service = readServiceAccount(cfg.mosquittoPasswordFile, cfg.mqttUser)
    if (!service) throw new Error(`the broker's password file ${cfg.mosquittoPasswordFile} has no account ${cfg.mqttUser}`)
    const r = writeMosquittoAuth(
      { passwordFile: cfg.mosquittoPasswordFile, aclFile: cfg.mosquittoAclFile, pidFile: cfg.mosquittoPidFile, service },
      await robots.brokerAccounts(), await users.brokerAccounts(),
    )
    log.info('broker accounts written', { reloaded: r.reloaded })
  }
  // Users changed: robots hold copies (for logins on the robot): tell them to pull now.
  const accountsChanged = async () => {
    await syncBrokerAuth()
    for (const r of await robots.list()) if (!r.revokedAt) await bridge.publish(robotTopic(r.robotId, 'sync'), '{"pull":true}').catch(() => {})
  }
  await syncBrokerAuth()
  if (cfg.mosquittoPasswordFile && !cfg.mosquittoPidFile) {
    log.warn('TONYPI_HUB_MOSQUITTO_PID_FILE is not set: the hub writes the broker accounts but cannot make Mosquitto reload them (new robots cannot connect until it does)')
  }

  const live = new FleetLive()
  const bridge = new MqttBridge({
    url: mqttUrl, username: cfg.mqttUser, password: mqttPassword, robots, records,
    sink: { write: (id, samples) => { writer.write(id, samples); live.apply(id, samples) } },
    onEvent: (id, event, data) => live.event(id, event, data),
    onLive: (id, samples) => live.apply(id, samples),
    log: log.child('mqtt'), offlineAfterMs: cfg.offlineAfterS * 1000,
  })
  await bridge.start()

  const reports = new HubReports({
    db, influx: new InfluxQuery({ url: influxUrl, db: cfg.influxDb, ...influxAuth }), log: log.child('reports'),
    geminiApiKey: cfg.geminiApiKey, geminiBaseUrl: cfg.geminiBaseUrl,
  })
  const startedAt = Date.now()
  const webhook = cfg.alertWebhookUrl
    ? new AlertWebhook({
      url: cfg.alertWebhookUrl, secret: cfg.alertWebhookSecret, attempts: cfg.alertWebhookAttempts, backoffMs: cfg.alertWebhookBackoffMs,
      timeoutMs: cfg.alertWebhookTimeoutMs, log: log.child('webhook'), records, outbox: new PgWebhookOutbox(db),
    })
    : null
  // What a previous run could not deliver goes out first, before this run's alerts.
  if (webhook) await webhook.resume()
  else {
    const waiting = (await new PgWebhookOutbox(db).pending()).length
    if (waiting) log.warn('alert webhook deliveries are waiting from an earlier run, but no webhook is configured now', { deliveries: waiting })
  }
  if (webhook && !cfg.alertWebhookSecret) log.warn('TONYPI_HUB_ALERT_WEBHOOK_SECRET is not set: webhook deliveries are not signed')
  if (!webhook && cfg.alertWebhookSecret) log.warn('TONYPI_HUB_ALERT_WEBHOOK_SECRET is set without TONYPI_HUB_ALERT_WEBHOOK_URL: no webhook is sent')
  const alerts = new FleetAlerts({
    db, robots, bridge, live, records, webhook, log: log.child('alerts'), intervalMs: cfg.alertIntervalS * 1000,
    autoResolve: cfg.alertAutoResolve, offlineAfterMs: cfg.offlineAfterS * 1000, startedAt,
  })
  await alerts.start()
  const hashGate = new HashGate()
  const authSources: AuthSources = {
    secret: jwtSecret, user: (id) => users.current(id), robot: (username, token) => robots.robotForCredential(username, token, hashGate), hashGate,
  }
  const robotRules = new RobotRuleRepo(db)
  const sync = new HubSync({ db, influx: new InfluxAckedWrites({ url: influxUrl, db: cfg.influxDb, ...influxAuth, log: log.child('sync') }), robotRules, log: log.child('sync'), webhook })
  const ctx: HubContext = {
    config: cfg, db, users, robots, records, bridge, telemetry, live, reports, alerts, robotRules, sync,
    syncBrokerAuth: accountsChanged, jwtSecret, authSources, throttle: new AuthThrottle(), log, startedAt, influxWriter: writer, webhook,
  }
  const api = createHubApi(ctx)
  const server = startHubServer(ctx, api, opts.site ?? null)
  const httpPort = server.port!
  log.info('hub ready', { http_port: httpPort })
  let stopped = false
  return {
    ctx, httpPort, url: `http://${cfg.httpHost === '0.0.0.0' ? 'localhost' : cfg.httpHost}:${httpPort}/`, firstAdmin, writer,
    async stop() {
      if (stopped) return
      stopped = true
      server.stop(true)
      // Before the broker and the database go: the last evaluation's changes are written and
      // published, and webhook deliveries still pending are logged in system_logs.
      await alerts.stop()
      await webhook?.stop()
      await reports.close()
      await bridge.stop()
      await writer.close()
      await logRetention.stop()
      await db.$client.close()
      log.info('hub stopped')
    },
  }
}
