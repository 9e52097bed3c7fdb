// Assembles the hub from its parts and takes it apart again, in order. `startHub` is what
// the CLI runs and what the tests start in-process on free ports. Several may run against one
// PostgreSQL, InfluxDB and broker (README, "Growing past one hub host"): what only one replica
// may do at a time is held through leases (hub/cluster/leases.ts), what the broker brings is split
// between them (hub/mqtt/ingest-session.ts), and what they tell each other goes over the broker.
import { mkdirSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
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
import { loadJwtSecret } from '../server/secrets.ts'
import { HubUserRepo } from './auth/user-repo.ts'
import { HUB_CONFIG_SPEC, type HubConfig } from './config.ts'
import type { HubContext } from './context.ts'
import { openHubDatabase, type HubDb } from './db/database.ts'
import { InfluxQuery } from './influx/query.ts'
import { InfluxWriter } from './influx/writer.ts'
import { MqttBridge } from './mqtt/bridge.ts'
import { LegacyListener } from './mqtt/legacy-listener.ts'
import { ClusterBus, CLUSTER_EVENTS_TOPIC } from './cluster/bus.ts'
import { ClaimedOutbox } from './cluster/claimed-outbox.ts'
import { exclusively } from './cluster/exclusively.ts'
import { Leases } from './cluster/leases.ts'
import { DropCounter } from './mqtt/drops.ts'
import { FleetIngest } from './mqtt/ingest.ts'
import { IngestSession, ORDERED_INGEST_CLIENT, ORDERED_INGEST_FILTERS } from './mqtt/ingest-session.ts'
import { Presence } from './mqtt/presence.ts'
import { INGEST_PRESENCE_PREFIX, SessionAdoption, ingestClaim, ingestPresenceTopic } from './mqtt/session-adoption.ts'
import { RobotRegistry } from './robots/robot-registry.ts'
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
import { startInOrder, stopInReverse, type Service } from '../server/lifecycle.ts'
import { withMemoryHint } from '../server/memory-hint.ts'

export interface RunningHub {
  ctx: HubContext
  httpPort: number
  /** This replica's name among the hub's replicas. */
  replica: string
  url: string
  firstAdmin: { created: boolean; password?: string; file?: string }
  writer: InfluxWriter
  /** The port of the listener for unchanged earlier clients, or null when it is off. */
  legacyMqttPort: number | null
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

function pemFile(path: string | undefined, key: string, what: RegExp): string | undefined {
  if (!path) return undefined
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new HubConfigError(`configuration ${key}: cannot read ${path}: ${(err as Error).message}`)
  }
  if (!what.test(text)) throw new HubConfigError(`configuration ${key}: ${path} is not a PEM ${what.source.includes('KEY') ? 'private key' : 'certificate'}`)
  return text
}

const CERT = /-----BEGIN CERTIFICATE-----/
const KEY = /-----BEGIN (EC |RSA )?PRIVATE KEY-----/

/** The certificate and key the API is served with, and the CA robots are given; checked before anything starts. */
function hubTls(cfg: HubConfig) {
  if (Boolean(cfg.tlsCert) !== Boolean(cfg.tlsKey))
    throw new HubConfigError(
      `configuration ${cfg.tlsCert ? 'TONYPI_HUB_TLS_KEY' : 'TONYPI_HUB_TLS_CERT'}: required with ${cfg.tlsCert ? 'TONYPI_HUB_TLS_CERT' : 'TONYPI_HUB_TLS_KEY'}`,
    )
  const cert = pemFile(cfg.tlsCert, 'TONYPI_HUB_TLS_CERT', CERT)
  const key = pemFile(cfg.tlsKey, 'TONYPI_HUB_TLS_KEY', KEY)
  const ca = pemFile(cfg.tlsCa, 'TONYPI_HUB_TLS_CA', CERT)
  return { serve: cert && key ? { cert, key } : null, ca: ca ?? null }
}

/** The opt-in listener for unchanged earlier clients (hub/mqtt/legacy-listener.ts), or null when it is off. */
function openLegacyListener(cfg: HubConfig, relay: (topic: string, payload: string) => Promise<void>, log: Logger): LegacyListener | null {
  const ids = cfg.legacyRobots ? cfg.legacyRobots.split(',') : []
  if (cfg.legacyMqttPort === undefined) {
    if (ids.length) log.warn('TONYPI_HUB_LEGACY_ROBOTS is set but TONYPI_HUB_LEGACY_MQTT_PORT is not: the listener for the earlier client is off')
    return null
  }
  if (!ids.length)
    throw new HubConfigError(
      'configuration TONYPI_HUB_LEGACY_ROBOTS: the listener for the earlier client (TONYPI_HUB_LEGACY_MQTT_PORT) admits only the robot ids listed here; list at least one',
    )
  return new LegacyListener({ host: cfg.legacyMqttHost, port: cfg.legacyMqttPort, robots: ids, relay, log: log.child('legacy-mqtt') })
}

/** The services the hub cannot run without; a missing one stops the start with its key named. */
function requiredServices(cfg: HubConfig) {
  return {
    databaseUrl: required(cfg.databaseUrl, 'DATABASE_URL'),
    influxUrl: required(cfg.influxUrl, 'TONYPI_HUB_INFLUX_URL'),
    mqttUrl: required(cfg.mqttUrl, 'TONYPI_HUB_MQTT_URL'),
    mqttPassword: required(cfg.mqttPassword, 'TONYPI_HUB_MQTT_PASSWORD'),
  }
}

type Services = ReturnType<typeof requiredServices>

/** Grafana gets read-only accounts of its own, or none: never the hub's, which may write. */
function provisionGrafana(cfg: HubConfig, dataDir: string, urls: Services, log: Logger) {
  const grafanaDir = resolve(cfg.grafanaProvisioningDir ?? resolve(dataDir, 'grafana', 'provisioning'))
  const grafanaInfluxAuth = cfg.grafanaInfluxToken
    ? { token: cfg.grafanaInfluxToken }
    : cfg.grafanaInfluxUser
      ? { user: cfg.grafanaInfluxUser, password: cfg.grafanaInfluxPassword }
      : undefined
  if (!grafanaInfluxAuth && (cfg.influxUser || cfg.influxToken))
    log.warn("Grafana's InfluxDB data source has no credentials: set TONYPI_HUB_GRAFANA_INFLUX_USER/_PASSWORD (a user with READ only) or _TOKEN")
  if (!cfg.grafanaDatabaseUrl)
    log.warn("Grafana's PostgreSQL data source has no credentials: set TONYPI_HUB_GRAFANA_DATABASE_URL (a role that may only SELECT)")
  const grafana = writeGrafanaProvisioning(grafanaDir, {
    influxUrl: urls.influxUrl,
    influxDb: cfg.influxDb,
    influxAuth: grafanaInfluxAuth,
    postgresUrl: cfg.grafanaDatabaseUrl ?? withoutCredentials(urls.databaseUrl),
    prometheusUrl: cfg.grafanaPrometheusUrl,
  })
  log.info('Grafana provisioning written', { dir: grafanaDir, dashboards: grafana.dashboards.length })
}

/** Writes the broker's accounts; replicas that write its files take turns, each reading the accounts once it has its turn. */
function brokerAuthWriter(cfg: HubConfig, db: HubDb, robots: RobotRepo, users: HubUserRepo, log: Logger) {
  if (cfg.mosquittoPasswordFile && !cfg.mosquittoPidFile) {
    log.warn(
      'TONYPI_HUB_MOSQUITTO_PID_FILE is not set: the hub writes the broker accounts but cannot make Mosquitto reload them (new robots cannot connect until it does)',
    )
  }
  return async () => {
    if (!cfg.mosquittoPasswordFile || !cfg.mosquittoAclFile) return
    const passwordFile = cfg.mosquittoPasswordFile
    const aclFile = cfg.mosquittoAclFile
    await exclusively(db, 'broker-accounts', async () => {
      const service = readServiceAccount(passwordFile, cfg.mqttUser)
      if (!service) throw new Error(`the broker's password file ${passwordFile} has no account ${cfg.mqttUser}`)
      const r = writeMosquittoAuth(
        { passwordFile, aclFile, pidFile: cfg.mosquittoPidFile, service },
        await robots.brokerAccounts(),
        await users.brokerAccounts(),
      )
      log.info('broker accounts written', { reloaded: r.reloaded })
    })
  }
}

function alertWebhook(cfg: HubConfig, records: HubRecords, outbox: ClaimedOutbox, log: Logger): AlertWebhook | null {
  const webhook = cfg.alertWebhookUrl
    ? new AlertWebhook({
        url: cfg.alertWebhookUrl,
        secret: cfg.alertWebhookSecret,
        attempts: cfg.alertWebhookAttempts,
        backoffMs: cfg.alertWebhookBackoffMs,
        timeoutMs: cfg.alertWebhookTimeoutMs,
        log: log.child('webhook'),
        records,
        outbox,
      })
    : null
  if (webhook && !cfg.alertWebhookSecret) log.warn('TONYPI_HUB_ALERT_WEBHOOK_SECRET is not set: webhook deliveries are not signed')
  if (!webhook && cfg.alertWebhookSecret) log.warn('TONYPI_HUB_ALERT_WEBHOOK_SECRET is set without TONYPI_HUB_ALERT_WEBHOOK_URL: no webhook is sent')
  return webhook
}

/** Robots admitted on the earlier client's listener but not registered: their messages are dropped until an admin registers them. */
async function warnUnregisteredLegacy(listener: LegacyListener, robots: RobotRepo, log: Logger) {
  const registered = new Set((await robots.list()).map((r) => r.robotId))
  for (const id of listener.admitted) {
    if (!registered.has(id))
      log.warn(
        `robot ${id} is admitted on the earlier client's listener but not registered: its messages are dropped until an admin registers it (POST /api/v1/robots)`,
      )
  }
}

/** What exactly one replica does at a time; when it dies, another's next attempt takes it over. */
async function holdDuties(
  cfg: HubConfig,
  log: Logger,
  d: { db: HubDb; leases: Leases; presence: Presence; alerts: FleetAlerts; webhook: AlertWebhook | null; orderedIngest: () => IngestSession },
) {
  const { db, leases, webhook } = d
  leases.hold('presence', () => d.presence.lead())
  leases.hold('ordered-ingest', async () => {
    const session = d.orderedIngest()
    await session.start()
    return { stop: () => session.stop({ end: false }) }
  })
  leases.hold('fleet-alerts', () => d.alerts.lead())
  leases.hold('log-retention', () => scheduleSystemLogRetention({ db, retentionMs: cfg.logRetentionDays * 86_400_000, log: log.child('logs') }))
  leases.hold('webhook-outbox', async () => {
    // What a stopped or dead replica could not deliver goes out, oldest first, under its delivery id.
    const sweep = async () => {
      if (webhook) return void (await webhook.resume().catch((err: unknown) => log.error('webhook outbox sweep failed', { error: err as Error })))
      const waiting = (await new PgWebhookOutbox(db).pending()).length
      if (waiting) log.warn('alert webhook deliveries are waiting from an earlier run, but no webhook is configured now', { deliveries: waiting })
    }
    await sweep()
    const timer = webhook ? setInterval(() => void sweep(), 5000) : null
    return {
      stop: () => {
        if (timer) clearInterval(timer)
      },
    }
  })
  await leases.settle()
}

/**
 * `collectEveryMs`: a full garbage collection that often (server/memory-hint.ts). The hub's own
 * process asks for it (hub/main.ts); a hub started inside another program, such as a test
 * runner, leaves that program's heap alone.
 */
export async function startHub(cfg: HubConfig, log: Logger, opts: { site?: StaticSite | null; collectEveryMs?: number } = {}): Promise<RunningHub> {
  const dataDir = resolve(cfg.dataDir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  log.info('starting hub', { config: describeConfig(cfg, HUB_CONFIG_SPEC), data_dir: dataDir })
  const urls = requiredServices(cfg)
  const tls = hubTls(cfg)
  const replica = cfg.replicaId ?? `${hostname()}-${cfg.httpPort || process.pid}`
  const db = await openHubDatabase(urls.databaseUrl)
  // Until the parts start (the first of them closes the database when they stop), a step that
  // fails closes it here: a hub started in a test or by a supervisor's retries leaks no pool.
  const { firstAdmin, hub } = await prepareHub(cfg, log, { dataDir, urls, tls, replica, db }).catch(async (err) => {
    await db.$client.close()
    throw err
  })
  const started = await startInOrder(withMemoryHint(opts.collectEveryMs, hubParts(hub, opts.site ?? null)), log)
  const httpPort = hub.running.server!.port!
  log.info('hub ready', { http_port: httpPort, https: Boolean(tls.serve), replica, leases: hub.ctx.cluster.leases.view().leases })
  let stopped = false
  return {
    ctx: hub.ctx,
    httpPort,
    replica,
    url: `${tls.serve ? 'https' : 'http'}://${cfg.httpHost === '0.0.0.0' ? 'localhost' : cfg.httpHost}:${httpPort}/`,
    firstAdmin,
    writer: hub.writer,
    legacyMqttPort: hub.running.legacyMqttPort,
    async stop() {
      if (stopped) return
      stopped = true
      await stopInReverse(started, log)
      log.info('hub stopped')
    },
  }
}

/** What the hub's parts need before they start: the users and robots, the first admin, Grafana's files and the broker's accounts. */
async function prepareHub(
  cfg: HubConfig,
  log: Logger,
  f: { dataDir: string; urls: Services; tls: ReturnType<typeof hubTls>; replica: string; db: HubDb },
): Promise<{ firstAdmin: Awaited<ReturnType<typeof ensureHubAdmin>>; hub: Hub }> {
  const { dataDir, urls, tls, replica, db } = f
  // The hub's own broker account is a name no person may take (its password line is the broker's).
  const users = new HubUserRepo(db, [cfg.mqttUser])
  const robots = new RobotRepo(db)
  const jwtSecret = loadJwtSecret(dataDir, cfg.jwtSecret)
  // Two replicas starting on an empty database at once create one admin between them.
  const firstAdmin = await exclusively(db, 'first-admin', () => ensureHubAdmin(users, dataDir, cfg.adminPassword, log.child('auth')))
  provisionGrafana(cfg, dataDir, urls, log)
  const writeBrokerAuth = brokerAuthWriter(cfg, db, robots, users, log)
  await writeBrokerAuth()
  return { firstAdmin, hub: assembleHub(cfg, log, { urls, tls, replica, db, users, robots, jwtSecret, writeBrokerAuth }) }
}

interface Foundation {
  urls: Services
  tls: ReturnType<typeof hubTls>
  replica: string
  db: HubDb
  users: HubUserRepo
  robots: RobotRepo
  jwtSecret: string
  writeBrokerAuth: () => Promise<void>
}

type Hub = ReturnType<typeof assembleHub>

/** The hub's view of the broker: robots' presence, the live feed, the earlier client's listener, and what replicas tell each other. */
function hubMqtt(cfg: HubConfig, log: Logger, f: Foundation, records: HubRecords) {
  const { replica, robots } = f
  const broker = {
    url: f.urls.mqttUrl,
    username: cfg.mqttUser,
    password: f.urls.mqttPassword,
    ...(f.tls.ca && f.urls.mqttUrl.startsWith('mqtts:') ? { ca: f.tls.ca } : {}),
  }
  const registry = new RobotRegistry(robots)
  const drops = new DropCounter(log.child('mqtt'))
  const live = new FleetLive()
  const presence = new Presence({ robots, records, offlineAfterMs: cfg.offlineAfterS * 1000, log: log.child('presence') })
  // What the broker brings for the cluster is heard once its part has started.
  const heard: { bus: ClusterBus | null; adoption: SessionAdoption | null } = { bus: null, adoption: null }
  const legacyListener = openLegacyListener(cfg, (topic, payload) => bridge.publish(topic, payload), log)
  const bridge = new MqttBridge({
    ...broker,
    registry,
    presence,
    live,
    drops,
    log: log.child('mqtt'),
    clientId: `tonypi-hub-view-${replica}`,
    ...(legacyListener
      ? {
          onLegacyCommand: (topic: string, payload: Buffer) => legacyListener.deliver(topic, payload),
          answersInOurLayout: (id: string) => legacyListener.admitted.has(id),
        }
      : {}),
    onCluster: (topic, payload) => {
      if (topic === CLUSTER_EVENTS_TOPIC) heard.bus?.receive(payload)
      else if (topic.startsWith(INGEST_PRESENCE_PREFIX)) heard.adoption?.onPresence(topic, payload)
    },
  })
  const bus = new ClusterBus({ replica, publish: (t, p, o) => bridge.publish(t, p, o), log: log.child('cluster') })
  // Users changed: robots hold copies (for logins on the robot): tell them to pull now.
  const accountsChanged = async () => {
    await bus.emit({ type: 'accounts-changed' })
    for (const r of await robots.list()) if (!r.revokedAt) await bridge.askToPull(r.robotId)
  }
  const hearBus = () => {
    bus.on('accounts-changed', async () => {
      await registry.refresh()
      await f.writeBrokerAuth()
    })
    bus.on('sessions-ended', (e) => live.endLocalSessionsOf(e.uid))
    live.sessionsEnded = (uid) => void bus.emit({ type: 'sessions-ended', uid })
    heard.bus = bus
  }
  return { broker, registry, drops, live, presence, heard, legacyListener, bridge, accountsChanged, hearBus }
}

/** This replica's ingest session, the adoption of dead replicas' sessions, and the ordered session one replica holds. */
function hubIngest(log: Logger, f: Foundation, d: { records: HubRecords; leases: Leases; writer: InfluxWriter; mqtt: ReturnType<typeof hubMqtt> }) {
  const { broker, registry, drops } = d.mqtt
  const { leases, writer } = d
  const ingest = new FleetIngest({
    db: f.db,
    registry,
    records: d.records,
    drops,
    sink: { write: (id, samples) => void writer.write(id, samples), flush: () => writer.flush() },
  })
  const own = `tonypi-hub-ingest-${f.replica}`
  const session = new IngestSession({
    broker,
    clientId: own,
    handle: ingest.handle,
    log: log.child('ingest'),
    presenceTopic: ingestPresenceTopic(own),
    // While another replica finishes this session's messages (this replica died and came back), it waits.
    mayConnect: () => leases.claim(ingestClaim(own)),
  })
  const adoption = new SessionAdoption({ own, leases, broker, handle: ingest.handle, log: log.child('ingest') })
  const ordered = () =>
    new IngestSession({ broker, clientId: ORDERED_INGEST_CLIENT, filters: ORDERED_INGEST_FILTERS, handle: ingest.handle, log: log.child('ingest') })
  return { session, adoption, ordered }
}

/** Builds every part; nothing runs until `hubParts` are started. */
function assembleHub(cfg: HubConfig, log: Logger, f: Foundation) {
  const { urls, replica, db, users, robots } = f
  const records = new HubRecords(db)
  const leases = new Leases(urls.databaseUrl, { replica, log: log.child('cluster') })
  const influx = { url: urls.influxUrl, db: cfg.influxDb, user: cfg.influxUser, password: cfg.influxPassword, token: cfg.influxToken }
  const writer = new InfluxWriter({ ...influx, log: log.child('influx') })
  const mqtt = hubMqtt(cfg, log, f, records)
  const { bridge, live, presence } = mqtt
  const ingest = hubIngest(log, f, { records, leases, writer, mqtt })
  const reports = new HubReports({
    db,
    influx: new InfluxQuery(influx),
    log: log.child('reports'),
    geminiApiKey: cfg.geminiApiKey,
    geminiBaseUrl: cfg.geminiBaseUrl,
  })
  const startedAt = Date.now()
  const webhook = alertWebhook(cfg, records, new ClaimedOutbox(new PgWebhookOutbox(db), leases), log)
  const alerts = new FleetAlerts({
    db,
    robots,
    bridge,
    live,
    records,
    webhook,
    log: log.child('alerts'),
    intervalMs: cfg.alertIntervalS * 1000,
    autoResolve: cfg.alertAutoResolve,
    offlineAfterMs: cfg.offlineAfterS * 1000,
    startedAt,
  })
  const hashGate = new HashGate()
  const authSources: AuthSources = {
    secret: f.jwtSecret,
    user: (id) => users.current(id),
    robot: (username, token) => robots.robotForCredential(username, token, hashGate),
    hashGate,
  }
  const robotRules = new RobotRuleRepo(db)
  const sync = new HubSync({ db, influx: new InfluxAckedWrites({ ...influx, log: log.child('sync') }), robotRules, log: log.child('sync'), webhook })
  const ctx: HubContext = {
    config: cfg,
    db,
    users,
    robots,
    records,
    bridge,
    legacyListener: mqtt.legacyListener,
    telemetry: influxTelemetry(influx),
    live,
    reports,
    alerts,
    robotRules,
    sync,
    syncBrokerAuth: mqtt.accountsChanged,
    jwtSecret: f.jwtSecret,
    authSources,
    throttle: new AuthThrottle(),
    log,
    startedAt,
    influxWriter: writer,
    webhook,
    cluster: { replica, leases, ingest: ingest.session, adoption: ingest.adoption },
    tlsCa: f.tls.ca,
  }
  const duties = () => holdDuties(cfg, log, { db, leases, presence, alerts, webhook, orderedIngest: ingest.ordered })
  const running = { server: null as ReturnType<typeof startHubServer> | null, legacyMqttPort: null as number | null }
  return { ctx, tls: f.tls, writer, presence, heard: mqtt.heard, hearBus: mqtt.hearBus, duties, running, log }
}

/**
 * The hub's parts in the order they start; they stop in the reverse. Before the broker and the
 * database go: the last evaluation's changes are written and published, this replica's share of
 * the ingest is stored and handed back to the others, and webhook deliveries still pending are
 * logged in system_logs.
 */
function hubParts(hub: Hub, site: StaticSite | null): Service[] {
  const { ctx, running } = hub
  const { leases, ingest, adoption } = ctx.cluster
  const legacy = ctx.legacyListener
  return [
    { name: 'database', stop: () => ctx.db.$client.close() },
    { name: 'influx writer', stop: () => hub.writer.close() },
    { name: 'presence', start: () => hub.presence.start(), stop: () => hub.presence.stop() },
    { name: 'mqtt bridge', start: () => ctx.bridge.start(), stop: () => ctx.bridge.stop() },
    {
      name: 'legacy listener',
      start: async () => {
        if (!legacy) return
        running.legacyMqttPort = await legacy.start()
        await warnUnregisteredLegacy(legacy, ctx.robots, hub.log)
      },
      stop: () => legacy?.stop(),
    },
    { name: 'reports', stop: () => ctx.reports.close() },
    { name: 'alert webhook', stop: () => ctx.webhook?.stop() },
    { name: 'cluster bus', start: hub.hearBus },
    // The duties below end its session when the hub stops (after the server, before the ingest hands
    // back); stopping it again is a no-op, and covers a start that fails before the duties.
    { name: 'leases', start: () => leases.start(), stop: () => leases.stop() },
    { name: 'ingest session', start: () => ingest.start(), stop: () => ingest.stop() },
    {
      name: 'session adoption',
      start: () => {
        adoption.start()
        hub.heard.adoption = adoption
      },
      stop: async () => {
        adoption.stop()
        await adoption.settle()
      },
    },
    { name: 'fleet alerts', start: () => ctx.alerts.start() },
    { name: 'lease duties', start: hub.duties, stop: () => leases.stop() },
    {
      name: 'http server',
      start: () => void (running.server = startHubServer(ctx, createHubApi(ctx), site, hub.tls.serve)),
      stop: () => running.server?.stop(true),
    },
  ]
}
