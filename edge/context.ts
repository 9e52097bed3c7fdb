// Everything a request handler may reach, assembled once by the edge at start.
import type { EdgeConfig } from '../core/config.ts'
import type { Logger } from '../core/log.ts'
import type { RobotDriver } from '../drivers/robot-driver.ts'
import type { AuthSources } from '../server/auth-plugin.ts'
import type { HashGate } from '../server/hash-gate.ts'
import type { AuthThrottle } from '../server/throttle.ts'
import type { UserStore } from './auth/user-store.ts'
import type { EmbeddedBroker } from './broker/broker.ts'
import type { BrokerInbound } from './broker/inbound.ts'
import type { CommandExecutor } from './commands/command-executor.ts'
import type { LiveFeed } from './live-feed.ts'
import type { AlertMonitor } from './alerts/alert-monitor.ts'
import type { SimFaults } from './sim-faults/sim-faults.ts'
import type { EdgeReports } from './reports/edge-reports.ts'
import type { JobService } from './jobs/job-service.ts'
import type { SampleBus } from './sample-bus.ts'
import type { RobotState } from '../core/robot-state.ts'
import type { EdgeDb } from './store/database.ts'
import type { SampleStore } from './store/sample-store.ts'
import type { EdgeSync } from './sync/edge-sync.ts'
import type { EdgeMetrics } from './metrics.ts'

export interface EdgeContext {
  config: EdgeConfig
  robotId: string
  db: EdgeDb
  store: SampleStore
  users: UserStore
  state: RobotState
  driver: RobotDriver
  commands: CommandExecutor
  broker: EmbeddedBroker
  inbound: BrokerInbound
  live: LiveFeed
  alerts: AlertMonitor
  /** Fault injection, on the simulated robot only (null on hardware). */
  simFaults: SimFaults | null
  reports: EdgeReports
  jobs: JobService
  /** The in-process event bus: what a handler publishes here is logged and reaches the live feed. */
  bus: SampleBus
  /** Failed logins (HTTP and MQTT) per peer address and per account. */
  throttle: AuthThrottle
  /** The process's ceiling on password-hash work (HTTP and MQTT). */
  hashGate: HashGate
  /** What the auth layer checks tokens against (the API and the live socket). */
  authSources: AuthSources
  jwtSecret: string
  log: Logger
  startedAt: number
  /** The link to the hub (sync batches, live uplink, what flows down); idle without a hub. */
  sync: EdgeSync
  /** How old the newest sample may be before health reports the collector as failing. */
  maxSampleAgeMs: number
  /** What GET metrics serves. */
  metrics: EdgeMetrics
}
