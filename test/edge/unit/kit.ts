// The real parts the edge's unit tests are built from: a SQLite file in a temporary folder,
// the bus, the simulated robot (the sim profile, in-process), the command executor, and an
// aedes broker on a free loopback port that accepts the robot's own anonymous clients.
import { tapBus, type BusMessage } from '../../support/bus-tap.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { createLogger, type Logger } from '../../../core/log.ts'
import { RobotState } from '../../../core/robot-state.ts'
import type { ServoInfo } from '../../../drivers/robot-driver.ts'
import { SimDriver } from '../../../drivers/sim/sim-driver.ts'
import { UserStore } from '../../../edge/auth/user-store.ts'
import { EmbeddedBroker } from '../../../edge/broker/broker.ts'
import { CommandExecutor } from '../../../edge/commands/command-executor.ts'
import { SampleBus } from '../../../edge/sample-bus.ts'
import { openEdgeDatabase, type EdgeDb } from '../../../edge/store/database.ts'
import { SampleStore } from '../../../edge/store/sample-store.ts'
import { HashGate } from '../../../server/hash-gate.ts'
import { AuthThrottle } from '../../../server/throttle.ts'
import { SHARED_ACTION_DIR } from '../../support/edge-harness.ts'

export const ROBOT_ID = 'unitbot'

export interface Kit {
  dir: string
  db: EdgeDb
  log: Logger
  logs: string[]
  bus: SampleBus
  /** Every bus message, in order. */
  seen: BusMessage[]
  events(name: string): Record<string, unknown>[]
  store: SampleStore
  close(): void
}

export function kit(): Kit {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-unit-'))
  const db = openEdgeDatabase(join(dir, 'edge.db'))
  const logs: string[] = []
  const log = createLogger({ level: 'debug', sink: (l) => logs.push(l) })
  const bus = new SampleBus(log.child('bus'))
  const seen: BusMessage[] = []
  tapBus(bus, (m) => {
    seen.push(m)
  })
  const store = new SampleStore(db, { quotaBytes: 64 * 1024 * 1024, retentionRawMs: 86_400_000, retentionRollupMs: 86_400_000 * 30, log: log.child('store') })
  return {
    dir,
    db,
    log,
    logs,
    bus,
    seen,
    store,
    events: (name) => seen.flatMap((m) => (m.kind === 'event' && m.event === name ? [m.data] : [])),
    close() {
      db.$client.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function robot(k: Kit, opts: { actionDir?: string; perSecond?: number; burst?: number; servos?: readonly ServoInfo[]; now?: () => number } = {}) {
  const driver = new SimDriver({ seed: 7, servos: opts.servos, now: opts.now })
  const state = new RobotState(ROBOT_ID, driver.profile, driver.servos, 500)
  tapBus(k.bus, (m) => {
    if (m.kind === 'samples') state.apply(m.samples)
  })
  const commands = new CommandExecutor(
    { driver, state, db: k.db, store: k.store, bus: k.bus, log: k.log.child('command'), actionDir: opts.actionDir ?? SHARED_ACTION_DIR },
    { perSecond: opts.perSecond, burst: opts.burst },
  )
  return { driver, state, commands }
}

export async function broker(k: Kit): Promise<{ broker: EmbeddedBroker; port: number }> {
  const b = await EmbeddedBroker.create({
    robotId: ROBOT_ID,
    host: '127.0.0.1',
    port: 0,
    anonymousLoopback: true,
    users: new UserStore(k.db),
    authSources: { secret: 'unit-test-secret-unit-test-secret', user: () => null, hashGate: new HashGate() },
    throttle: new AuthThrottle(),
    log: k.log.child('mqtt'),
  })
  return { broker: b, port: await b.listen() }
}

/** An MQTT client of the robot itself (anonymous over loopback), connected. */
export function client(port: number): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 3000 })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}
