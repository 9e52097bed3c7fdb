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
import { RobotState } from '../core/robot-state.ts'
import { SampleBus } from './sample-bus.ts'
import { EdgeMetrics } from './metrics.ts'
import { SimFaults } from './sim-faults/sim-faults.ts'
import { startHttpServer, type StaticSite } from './server.ts'
import { openEdgeDatabase } from './store/database.ts'
import { SampleStore } from './store/sample-store.ts'
import { ClockWatch } from './sync/clock-watch.ts'
import { EdgeSync } from './sync/edge-sync.ts'
import { resolveHubLink } from './sync/hub-link.ts'
import { SyncOutbox } from './sync/outbox.ts'
import { systemClock } from './sync/robot-clock.ts'

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

export async function startEdge(cfg: EdgeConfig, log: Logger, opts: { site?: StaticSite | null; driver?: RobotDriver } = {}): Promise<RunningEdge> {
  const dataDir = resolve(cfg.dataDir)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  log.info('starting edge', { config: describeConfig(cfg), data_dir: dataDir })
  const db = openEdgeDatabase(resolve(dataDir, 'edge.db'))
  const users = new UserStore(db)
  const jwtSecret = loadJwtSecret(dataDir, cfg.jwtSecret)
  const throttle = new AuthThrottle()
  const hashGate = new HashGate()
  const authSources = { secret: jwtSecret, user: (id: number) => users.current(id), hashGate }
  // The broker before the robot: the earlier Python client, if it drives this robot, is heard there.
  const broker = await EmbeddedBroker.create({
    robotId: cfg.robotId!,
    host: cfg.mqttHost,
    port: cfg.mqttPort,
    anonymousLoopback: cfg.mqttAnonymousLoopback,
    users,
    authSources,
    throttle,
    log: log.child('mqtt'),
  })
  const mqttPort = await broker.listen()
  let robot: RobotDriver
  try {
    robot =
      opts.driver ??
      (await openRobotDriver(cfg, log.child('driver'), REAL_HAT_DEVICES, {
        listen: (ms) => listenForEarlierClient(broker, cfg.robotId!, ms, log.child('driver')),
        open: (servos) => new LegacyClientDriver({ broker, robotId: cfg.robotId!, servos, replyTimeoutMs: cfg.legacyReplyTimeoutMs, log: log.child('driver') }),
      }))
  } catch (err) {
    await broker.close()
    db.$client.close()
    throw err
  }
  // Its client hears commands from the edge only (edge/legacy-client/forward-rule.ts).
  const earlier = robot instanceof LegacyClientDriver ? robot : null
  if (earlier) broker.setForwardFilter(earlierClientHears)
  // The simulated robot is driven through its fault injector (POST /api/v1/sim/fault).
  const simFaults = robot instanceof SimDriver ? new SimFaults(robot, { seed: cfg.simSeed }) : null
  const driver: RobotDriver = simFaults?.driver ?? robot

  const hubLink = resolveHubLink(cfg, dataDir)
  // One wall clock stamps everything the robot records (the simulator's clock_jump steps it).
  const clock = systemClock(simFaults ? simFaults.now : Date.now)
  let outbox: SyncOutbox | null = null
  const bus = new SampleBus(log.child('bus'), clock.wall)
  const metrics = new EdgeMetrics(bus)
  const store = new SampleStore(db, {
    quotaBytes: cfg.diskQuotaMb * 1024 * 1024,
    retentionRawMs: cfg.retentionRawHours * 3_600_000,
    retentionRollupMs: cfg.retentionRollupDays * 86_400_000,
    log: log.child('store'),
    // With a hub, what it has not acknowledged outlives retention and is dropped last.
    ...(hubLink ? { syncedUpTo: () => outbox?.cursors().telemetry ?? 0 } : {}),
    onUnsyncedDrop: (byStream) => {
      outbox?.noteDropped(byStream)
      const totals = outbox?.dropped() ?? {}
      for (const [stream, count] of Object.entries(byStream)) bus.event('sync.dropped', 'warn', { stream, count, total: totals[stream] ?? count })
    },
  })
  const clockWatch = new ClockWatch({
    db,
    clock,
    nextSeq: () => store.peekSeq(),
    log: log.child('clock'),
    beforeStep: (before) => store.flush(clock.wall(), before),
  })
  clockWatch.check()
  outbox = new SyncOutbox(db, clockWatch, cfg.robotId!, store)
  const firstAdmin = await ensureFirstAdmin(users, dataDir, cfg.adminPassword, log.child('auth'))

  const positionPeriod = 1000 / cfg.servoPositionHz
  // A robot another program drives reports every few seconds; a polled one many times a second.
  const staleAfterMs = driver.remote?.staleAfterMs ?? Math.max(500, positionPeriod * 5)
  const state = new RobotState(cfg.robotId!, driver.profile, driver.servos, staleAfterMs, () => driver.busStatus?.() ?? [])
  bus.on('samples', state, (samples) => state.apply(samples))
  // A step is found before a record is numbered, so no record lands in a span its clock did not stamp.
  bus.on('samples', store, (samples) => {
    clockWatch.check()
    for (const s of samples) {
      const ts = clockWatch.restamp(s.ts)
      store.add(ts === s.ts ? s : { ...s, ts })
    }
  })
  bus.onEvent(store, (e) => {
    clockWatch.check()
    if (e.level !== 'debug') store.addEvent(e.event, e.level, e.data, clockWatch.restamp(e.ts))
  })

  const commands = new CommandExecutor({ driver, state, db, store, bus, log: log.child('command'), actionDir: cfg.actionDir })
  const jobs = new JobService({ db, takeSeq: () => store.takeSeq(), bus, commands, log: log.child('jobs') })
  const inbound = new BrokerInbound({ broker, robotId: cfg.robotId!, bus, commands, jobs, state, log: log.child('mqtt'), earlier })
  const publisher = new BrokerPublisher({ broker, bus, state, robotId: cfg.robotId!, log: log.child('mqtt') })
  const live = new LiveFeed(bus, cfg.robotId!)
  const alerts = new AlertMonitor({
    store: new AlertStore(db, { takeSeq: () => store.takeSeq(), robotId: cfg.robotId!, log: log.child('alerts') }),
    bus,
    pack: cfg.batteryPack,
    servos: driver.servos,
    log: log.child('alerts'),
  })
  const sync = new EdgeSync({
    robotId: cfg.robotId!,
    hub: hubLink,
    maxKbps: cfg.syncMaxKbps,
    db,
    outbox,
    clockWatch,
    clock,
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
    robotId: cfg.robotId!,
    serviceStartedAt: startedAt,
    log: log.child('reports'),
    geminiApiKey: cfg.geminiApiKey,
    geminiBaseUrl: cfg.geminiBaseUrl,
  })

  const ctx: EdgeContext = {
    config: cfg,
    robotId: cfg.robotId!,
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
    simFaults,
    jobs,
    bus,
    throttle,
    hashGate,
    authSources,
    jwtSecret,
    log,
    startedAt,
    sync,
    metrics,
    maxSampleAgeMs: driver.remote?.staleAfterMs ?? Math.max(2_000, positionPeriod * 10),
  }
  const api = createApi(ctx)
  const server = startHttpServer(ctx, api, opts.site ?? null)
  await publisher.start()
  alerts.start()

  const collector = new Collector(driver, bus, cfg, {
    pack: cfg.batteryPack,
    performance: new PiPerformanceReader({ dataDir }),
    log: log.child('collector'),
    // clock_jump steps the time the collector stamps samples with (the sim only).
    ...(simFaults ? { now: simFaults.now } : {}),
  })
  // Nothing to poll on a robot another program drives: its readings arrive through the broker.
  if (!driver.remote) collector.start()
  sync.start()

  const storeLog = log.child('store')
  const tick = setInterval(() => {
    try {
      sync.beforeFlush()
      store.tick(clock.wall())
      sync.afterFlush()
    } catch (err) {
      storeLog.error('tick failed; keeping the data for the next one', { error: err as Error })
    }
  }, cfg.tickMs)
  const logRetentionMs = cfg.logRetentionDays * 86_400_000
  const maintainStore = (nowMs = Date.now()) => {
    try {
      store.maintain(nowMs)
      pruneEvents(db, nowMs, logRetentionMs, hubLink ? outbox!.cursors().events : undefined)
    } catch (err) {
      storeLog.error('retention/quota pass failed', { error: err as Error })
    }
  }
  const maintain = setInterval(() => maintainStore(), 60_000)
  // A robot restarted after a long outage may be over its quota already: the first pass comes at once.
  const firstMaintain = setTimeout(() => maintainStore(), 1000)

  // JavaScriptCore collects lazily while the heap is small, so the RSS of a busy edge creeps
  // up with garbage (heap ~6 MB, RSS +0.1 MB/s until a collection). A periodic hint keeps a
  // robot's memory flat; the measurement is in bench/edge-soak.ts.
  const gcHint = setInterval(() => Bun.gc(true), 5_000)

  const httpPort = server.port!
  log.info('edge ready', { http_port: httpPort, mqtt_port: mqttPort, robot_id: cfg.robotId, profile: driver.profile })

  let stopped = false
  return {
    ctx,
    httpPort,
    mqttPort,
    url: `http://${cfg.httpHost === '0.0.0.0' ? 'localhost' : cfg.httpHost}:${httpPort}/`,
    firstAdmin,
    driver,
    bus,
    maintain: maintainStore,
    quiesce() {
      collector.stop()
      store.flush(clock.wall())
      sync.afterFlush()
    },
    async stop() {
      if (stopped) return
      stopped = true
      log.info('stopping edge')
      collector.stop()
      clearInterval(tick)
      await sync.stop()
      clearInterval(maintain)
      clearTimeout(firstMaintain)
      clearInterval(gcHint)
      await commands.idle()
      await reports.close()
      alerts.stop()
      await publisher.stop()
      live.stop()
      server.stop(true)
      await broker.close()
      try {
        store.flush(Date.now() + 120_000) // the final tick also closes the open minutes
      } catch (err) {
        storeLog.error('final tick failed', { error: err as Error })
      }
      store.close()
      await driver.close()
      db.$client.close()
      log.info('edge stopped')
    },
  }
}
