// Assembles the edge appliance from its parts and takes it apart again, in order.
// `startEdge` is what the CLI runs and what the tests start in-process on free ports.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { describeConfig, type EdgeConfig } from '../core/config.ts'
import type { Logger } from '../core/log.ts'
import type { RobotDriver } from '../drivers/robot-driver.ts'
import { openRobotDriver, REAL_HAT_DEVICES } from '../drivers/profiles.ts'
import { SimDriver } from '../drivers/sim/sim-driver.ts'
import { AlertMonitor } from './alerts/alert-monitor.ts'
import { AlertStore } from './alerts/alert-store.ts'
import { createApi } from './api/routes.ts'
import { AuthThrottle } from '../server/throttle.ts'
import { HashGate } from '../server/hash-gate.ts'
import { ensureFirstAdmin, loadJwtSecret } from './auth/secrets.ts'
import { UserStore } from './auth/user-store.ts'
import { EmbeddedBroker } from './broker/broker.ts'
import { BrokerInbound } from './broker/inbound.ts'
import { BrokerPublisher } from './broker/publisher.ts'
import { Collector } from './collector.ts'
import { CommandExecutor } from './commands/command-executor.ts'
import type { EdgeContext } from './context.ts'
import { LiveFeed } from './live-feed.ts'
import { PiPerformanceReader } from '../drivers/pi/reader.ts'
import { EdgeReports } from './reports/edge-reports.ts'
import { JobService } from './jobs/job-service.ts'
import { earlierClientHears } from './legacy-client/forward-rule.ts'
import { LegacyClientDriver } from './legacy-client/legacy-client-driver.ts'
import { listenForEarlierClient } from './legacy-client/listen.ts'
import { pruneEvents } from './logs/log-retention.ts'
import type { SampleBus } from './sample-bus.ts'
import { SimFaults } from './sim-faults/sim-faults.ts'
import { startHttpServer, type StaticSite } from './server.ts'
import { openEdgeDatabase, type EdgeDb } from './store/database.ts'
import type { SampleStore } from './store/sample-store.ts'
import { EdgeSync } from './sync/edge-sync.ts'
import { resolveHubLink, type HubLink } from './sync/hub-link.ts'
import { openRecording, type Recording } from './recording.ts'
import { withMemoryHint } from '../server/memory-hint.ts'
import { ServiceStartError, startInOrder, stopInReverse, timerService, type Service } from '../server/lifecycle.ts'

export interface RunningEdge {
  ctx: EdgeContext
  httpPort: number
  mqttPort: number
  url: string
  firstAdmin: { created: boolean; username: string; password?: string; passwordFile?: string }
  driver: RobotDriver
  bus: SampleBus
  /** One retention and quota pass (samples, then events), as the edge runs every minute. */
  maintain(nowMs?: number): void
  /** Stops taking samples and writes what is buffered: what the robot has stops growing (before a comparison with the hub). */
  quiesce(): void
  stop(): Promise<void>
}

/**
 * `collectEveryMs`: a full garbage collection that often (server/memory-hint.ts). The edge's own
 * process asks for it (edge/main.ts); an edge started inside another program, such as a test
 * runner, leaves that program's heap alone.
 */
export async function startEdge(
  cfg: EdgeConfig,
  log: Logger,
  opts: { site?: StaticSite | null; driver?: RobotDriver; collectEveryMs?: number } = {},
): Promise<RunningEdge> {
  const dataDir = resolve(cfg.dataDir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  log.info('starting edge', { config: describeConfig(cfg), data_dir: dataDir })
  const db = openEdgeDatabase(resolve(dataDir, 'edge.db'))
  const auth = edgeAuth(cfg, db, dataDir)
  const broker = await EmbeddedBroker.create(brokerOptions(cfg, auth, log))
  const opened: Opened = { store: null, robot: null, mqttPort: 0 }
  // The broker before the robot: the earlier Python client, if it drives this robot, is heard there.
  const started = await startInOrder(
    [
      // The store goes with its file: its final flush comes after the broker, whose goodbyes it records.
      { name: 'database', stop: () => closeStorage(db, opened.store, log.child('store')) },
      { name: 'mqtt broker', start: async () => void (opened.mqttPort = await broker.listen()), stop: () => broker.close() },
      { name: 'robot', start: async () => void (opened.robot = opts.driver ?? (await openRobot(cfg, broker, log))), stop: () => opened.robot?.close() },
    ],
    log,
  )
  try {
    const { driver, simFaults, earlier } = wrapRobot(opened.robot!, broker, cfg)
    const hubLink = resolveHubLink(cfg, dataDir)
    const rec = openRecording(cfg, db, driver, hubLink, log, simFaults ? simFaults.now : Date.now)
    opened.store = rec.store
    const firstAdmin = await ensureFirstAdmin(auth.users, dataDir, cfg.adminPassword, log.child('auth'))
    const { ctx, publisher } = assembleParts(cfg, log, { db, auth, broker, driver, simFaults, earlier, rec, hubLink })
    const running = runningParts(cfg, log, { ctx, publisher, rec, hubLink, dataDir, site: opts.site ?? null })
    await startInOrder(withMemoryHint(opts.collectEveryMs, running.services), log, started)
    return runningEdge(cfg, log, { ctx, rec, running, started, firstAdmin, mqttPort: opened.mqttPort })
  } catch (err) {
    // A part that fails to start has stopped the others already; anything else fails before them.
    if (!(err instanceof ServiceStartError)) await stopInReverse(started, log).catch(() => undefined)
    throw err
  }
}

interface Opened {
  store: SampleStore | null
  robot: RobotDriver | null
  mqttPort: number
}

function runningEdge(
  cfg: EdgeConfig,
  log: Logger,
  r: {
    ctx: EdgeContext
    rec: Recording
    running: ReturnType<typeof runningParts>
    started: Service[]
    firstAdmin: RunningEdge['firstAdmin']
    mqttPort: number
  },
): RunningEdge {
  const { ctx, rec, running } = r
  const httpPort = running.httpPort()
  log.info('edge ready', { http_port: httpPort, mqtt_port: r.mqttPort, robot_id: cfg.robotId, profile: ctx.driver.profile })
  let stopped = false
  return {
    ctx,
    httpPort,
    mqttPort: r.mqttPort,
    url: `http://${cfg.httpHost === '0.0.0.0' ? 'localhost' : cfg.httpHost}:${httpPort}/`,
    firstAdmin: r.firstAdmin,
    driver: ctx.driver,
    bus: rec.bus,
    maintain: running.maintain,
    quiesce() {
      running.collector.stop()
      rec.store.flush(rec.clock.wall())
      ctx.sync.afterFlush()
    },
    async stop() {
      if (stopped) return
      stopped = true
      log.info('stopping edge')
      await stopInReverse(r.started, log)
      log.info('edge stopped')
    },
  }
}

type EdgeAuth = ReturnType<typeof edgeAuth>

function edgeAuth(cfg: EdgeConfig, db: EdgeDb, dataDir: string) {
  const users = new UserStore(db)
  const jwtSecret = loadJwtSecret(dataDir, cfg.jwtSecret)
  const hashGate = new HashGate()
  const authSources = { secret: jwtSecret, user: (id: number) => users.current(id), hashGate }
  return { users, jwtSecret, throttle: new AuthThrottle(), hashGate, authSources }
}

function brokerOptions(cfg: EdgeConfig, auth: EdgeAuth, log: Logger) {
  const { users, authSources, throttle } = auth
  return {
    robotId: cfg.robotId!,
    host: cfg.mqttHost,
    port: cfg.mqttPort,
    anonymousLoopback: cfg.mqttAnonymousLoopback,
    users,
    authSources,
    throttle,
    log: log.child('mqtt'),
  }
}

/** The robot's hardware, or the earlier Python client when it drives this robot (heard on the broker). */
function openRobot(cfg: EdgeConfig, broker: EmbeddedBroker, log: Logger): Promise<RobotDriver> {
  const driverLog = log.child('driver')
  return openRobotDriver(cfg, driverLog, REAL_HAT_DEVICES, {
    listen: (ms) => listenForEarlierClient(broker, cfg.robotId!, ms, driverLog),
    open: (servos) => new LegacyClientDriver({ broker, robotId: cfg.robotId!, servos, replyTimeoutMs: cfg.legacyReplyTimeoutMs, log: driverLog }),
  })
}

function wrapRobot(robot: RobotDriver, broker: EmbeddedBroker, cfg: EdgeConfig) {
  // Its client hears commands from the edge only (edge/legacy-client/forward-rule.ts).
  const earlier = robot instanceof LegacyClientDriver ? robot : null
  if (earlier) broker.setForwardFilter(earlierClientHears)
  // The simulated robot is driven through its fault injector (POST /api/v1/sim/fault).
  const simFaults = robot instanceof SimDriver ? new SimFaults(robot, { seed: cfg.simSeed }) : null
  const driver: RobotDriver = simFaults?.driver ?? robot
  return { driver, simFaults, earlier }
}

/** The final tick also closes the open minutes; then the journal, then the file. */
function closeStorage(db: EdgeDb, store: SampleStore | null, log: Logger) {
  try {
    store?.flush(Date.now() + 120_000)
  } catch (err) {
    log.error('final tick failed', { error: err as Error })
  }
  store?.close()
  db.$client.close()
}

interface Assembly {
  db: EdgeDb
  auth: EdgeAuth
  broker: EmbeddedBroker
  driver: RobotDriver
  simFaults: SimFaults | null
  earlier: LegacyClientDriver | null
  rec: Recording
  hubLink: HubLink | null
}

/** The parts that act on what is recorded (commands, jobs, alerts, sync, reports) and what a request handler reaches. */
function assembleParts(cfg: EdgeConfig, log: Logger, a: Assembly): { ctx: EdgeContext; publisher: BrokerPublisher } {
  const { db, broker, driver, rec } = a
  const { bus, store, state } = rec
  const robotId = cfg.robotId!
  const commands = new CommandExecutor({ driver, state, db, store, bus, log: log.child('command'), actionDir: cfg.actionDir })
  const jobs = new JobService({ db, takeSeq: () => store.takeSeq(), bus, commands, log: log.child('jobs') })
  const inbound = new BrokerInbound({ broker, robotId, bus, commands, jobs, state, log: log.child('mqtt'), earlier: a.earlier })
  const publisher = new BrokerPublisher({ broker, bus, state, robotId, log: log.child('mqtt') })
  const live = new LiveFeed(bus, robotId)
  const alertStore = new AlertStore(db, { takeSeq: () => store.takeSeq(), robotId, log: log.child('alerts') })
  const alerts = new AlertMonitor({ store: alertStore, bus, pack: cfg.batteryPack, servos: driver.servos, log: log.child('alerts') })
  const sync = new EdgeSync({
    robotId,
    hub: a.hubLink,
    maxKbps: cfg.syncMaxKbps,
    db,
    outbox: rec.outbox,
    clockWatch: rec.clockWatch,
    clock: rec.clock,
    bus,
    state,
    commands,
    alerts,
    log: log.child('sync'),
    accountChanged: (uid) => {
      broker.endSessionsOf(uid, 'changed on the hub')
      live.endSessionsOf(uid)
    },
  })
  const startedAt = Date.now()
  const reports = new EdgeReports({
    db,
    store,
    state,
    pack: cfg.batteryPack,
    robotId,
    serviceStartedAt: startedAt,
    log: log.child('reports'),
    geminiApiKey: cfg.geminiApiKey,
    geminiBaseUrl: cfg.geminiBaseUrl,
  })
  const { users, throttle, hashGate, authSources, jwtSecret } = a.auth
  const ctx: EdgeContext = {
    config: cfg,
    robotId,
    db,
    store,
    users,
    state,
    driver,
    commands,
    broker,
    inbound,
    live,
    reports,
    alerts,
    simFaults: a.simFaults,
    jobs,
    bus,
    throttle,
    hashGate,
    authSources,
    jwtSecret,
    log,
    startedAt,
    sync,
    metrics: rec.metrics,
    maxSampleAgeMs: rec.maxSampleAgeMs,
  }
  return { ctx, publisher }
}

/**
 * The parts that run, in the order they start; they stop in the reverse. Readings flow last
 * (the collector) and stop first; what they reach (the store's tick, the sync client, the
 * publisher, the server, the broker) keeps running until they have stopped.
 */
function runningParts(
  cfg: EdgeConfig,
  log: Logger,
  p: { ctx: EdgeContext; publisher: BrokerPublisher; rec: Recording; hubLink: HubLink | null; dataDir: string; site: StaticSite | null },
) {
  const { ctx, rec } = p
  const { store, sync, driver } = ctx
  const storeLog = log.child('store')
  const collector = new Collector(driver, ctx.bus, cfg, {
    pack: cfg.batteryPack,
    performance: new PiPerformanceReader({ dataDir: p.dataDir }),
    log: log.child('collector'),
    // clock_jump steps the time the collector stamps samples with (the sim only).
    ...(ctx.simFaults ? { now: ctx.simFaults.now } : {}),
  })
  const tick = () => {
    try {
      sync.beforeFlush()
      store.tick(rec.clock.wall())
      sync.afterFlush()
    } catch (err) {
      storeLog.error('tick failed; keeping the data for the next one', { error: err as Error })
    }
  }
  const logRetentionMs = cfg.logRetentionDays * 86_400_000
  const maintain = (nowMs = Date.now()) => {
    try {
      store.maintain(nowMs)
      pruneEvents(ctx.db, nowMs, logRetentionMs, p.hubLink ? rec.outbox.cursors().events : undefined)
    } catch (err) {
      storeLog.error('retention/quota pass failed', { error: err as Error })
    }
  }
  let server: ReturnType<typeof startHttpServer> | null = null
  const services: Service[] = [
    { name: 'http server', start: () => void (server = startHttpServer(ctx, createApi(ctx), p.site)), stop: () => server?.stop(true) },
    { name: 'live feed', stop: () => ctx.live.stop() },
    { name: 'publisher', start: () => p.publisher.start(), stop: () => p.publisher.stop() },
    { name: 'alert monitor', start: () => ctx.alerts.start(), stop: () => ctx.alerts.stop() },
    { name: 'reports', stop: () => ctx.reports.close() },
    { name: 'commands', stop: () => ctx.commands.idle() },
    // A robot restarted after a long outage may be over its quota already: the first pass comes at once.
    timerService('first maintenance', () => setTimeout(() => maintain(), 1000)),
    timerService('store maintenance', () => setInterval(() => maintain(), 60_000)),
    { name: 'sync', start: () => sync.start(), stop: () => sync.stop() },
    timerService('store tick', () => setInterval(tick, cfg.tickMs)),
    // Nothing to poll on a robot another program drives: its readings arrive through the broker.
    { name: 'collector', start: () => (driver.remote ? undefined : collector.start()), stop: () => collector.stop() },
  ]
  return { services, collector, maintain, httpPort: () => server!.port! }
}
