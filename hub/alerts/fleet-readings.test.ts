import { describe, expect, test } from 'bun:test'
import { BacklogGrowth } from './backlog-growth.ts'
import { FleetReadings, type RobotFacts } from './fleet-readings.ts'

const NOW = 1_800_000_000_000
const facts = (f: Partial<RobotFacts>): RobotFacts => ({ robotId: 'r1', status: 'online', revoked: false, online: true, sync: null, ...f })
const metrics = (r: FleetReadings, f: Partial<RobotFacts>, heartbeatElapsed = true) =>
  Object.fromEntries(r.of(facts(f), { now: NOW, heartbeatElapsed }).map((x) => [x.metric, x.value]))

describe('presence', () => {
  test('heard by the bridge: online, whatever the table says', () => {
    expect(metrics(new FleetReadings(), { online: true, status: 'offline' })).toEqual({ robot_offline: 0 })
  })

  test('marked offline: offline at once', () => {
    expect(metrics(new FleetReadings(), { online: false, status: 'offline' }, false)).toEqual({ robot_offline: 1 })
  })

  test('online in the table but not heard since the hub started: offline only once the heartbeat timeout has passed', () => {
    expect(metrics(new FleetReadings(), { online: false, status: 'online' }, false)).toEqual({})
    expect(metrics(new FleetReadings(), { online: false, status: 'emergency_stopped' }, true)).toEqual({ robot_offline: 1 })
  })

  test('never heard from, or revoked: not judged', () => {
    expect(metrics(new FleetReadings(), { online: false, status: 'unknown' })).toEqual({})
    expect(metrics(new FleetReadings(), { online: false, status: 'offline', revoked: true })).toEqual({})
  })
})

describe('sync', () => {
  test('lag in whole seconds and the backlog, only while online', () => {
    const r = new FleetReadings()
    expect(metrics(r, { sync: { lastBatchAt: NOW - 42_400, backlog: 17 } })).toEqual({ robot_offline: 0, sync_lag: 42, sync_backlog: 17 })
    expect(metrics(r, { online: false, status: 'offline', sync: { lastBatchAt: NOW - 42_400, backlog: 17 } })).toEqual({ robot_offline: 1 })
    expect(metrics(r, { sync: { lastBatchAt: null, backlog: null } })).toEqual({ robot_offline: 0 })
  })

  test('a clock ahead of the hub reads as no lag, not a negative one', () => {
    expect(metrics(new FleetReadings(), { sync: { lastBatchAt: NOW + 5000, backlog: null } }).sync_lag).toBe(0)
  })

  test('growth appears once the reports span a minute', () => {
    const r = new FleetReadings()
    expect(metrics(r, { sync: { lastBatchAt: NOW - 120_000, backlog: 100 } }).sync_backlog_growth).toBeUndefined()
    expect(metrics(r, { sync: { lastBatchAt: NOW - 90_000, backlog: 400 } }).sync_backlog_growth).toBeUndefined()
    expect(metrics(r, { sync: { lastBatchAt: NOW - 60_000, backlog: 700 } }).sync_backlog_growth).toBe(600)
  })
})

describe('backlog growth', () => {
  test('records per minute between the oldest and newest report in the window', () => {
    const g = new BacklogGrowth()
    expect(g.observe(0, 1000)).toBeNull()
    expect(g.observe(30_000, 1100)).toBeNull()
    expect(g.observe(120_000, 1400)).toBe(200)
    // The same report seen again (no new batch) changes nothing.
    expect(g.observe(120_000, 1400)).toBe(200)
  })

  test('a draining backlog is negative growth', () => {
    const g = new BacklogGrowth()
    g.observe(0, 5000)
    expect(g.observe(60_000, 2000)).toBe(-3000)
  })

  test('reports older than the window are forgotten', () => {
    const g = new BacklogGrowth()
    g.observe(0, 0)
    g.observe(5 * 60_000, 5000)
    // 11 minutes in: the report at 0 is out, growth is measured from 5 minutes.
    expect(g.observe(11 * 60_000, 5600)).toBe(100)
  })

  test('a report older than the newest starts afresh', () => {
    const g = new BacklogGrowth()
    g.observe(100_000, 0)
    g.observe(200_000, 1000)
    expect(g.observe(50_000, 10)).toBeNull()
  })
})
