// What the robot records and how: one wall clock, the bus every reading and event travels on,
// the store they land in (each checked for a clock step before it is numbered), the outbox the
// hub is fed from and the robot's live state.
import type { EdgeConfig } from '../core/config.ts'
import type { Logger } from '../core/log.ts'
import { RobotState } from '../core/robot-state.ts'
import type { RobotDriver } from '../drivers/robot-driver.ts'
import { EdgeMetrics } from './metrics.ts'
import { SampleBus } from './sample-bus.ts'
import type { EdgeDb } from './store/database.ts'
import { SampleStore } from './store/sample-store.ts'
import { ClockWatch } from './sync/clock-watch.ts'
import type { HubLink } from './sync/hub-link.ts'
import { SyncOutbox } from './sync/outbox.ts'
import { systemClock } from './sync/robot-clock.ts'

export type Recording = ReturnType<typeof openRecording>

export function openRecording(cfg: EdgeConfig, db: EdgeDb, driver: RobotDriver, hubLink: HubLink | null, log: Logger, now: () => number = Date.now) {
  // One wall clock stamps everything the robot records (the simulator's clock_jump steps it).
  const clock = systemClock(now)
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
  const maxSampleAgeMs = driver.remote?.staleAfterMs ?? Math.max(2_000, positionPeriod * 10)
  return { clock, bus, metrics, store, clockWatch, outbox, state, maxSampleAgeMs }
}
