// Everything a hub request handler may reach, assembled once at start.
import type { Logger } from '../core/log.ts'
import type { AuthSources } from '../server/auth-plugin.ts'
import type { AuthThrottle } from '../server/throttle.ts'
import type { FleetAlerts } from './alerts/fleet-alerts.ts'
import type { HubUserRepo } from './auth/user-repo.ts'
import type { HubConfig } from './config.ts'
import type { HubDb } from './db/database.ts'
import type { MqttBridge } from './mqtt/bridge.ts'
import type { LegacyListener } from './mqtt/legacy-listener.ts'
import type { HubRecords } from './records.ts'
import type { FleetLive } from './live/fleet-live.ts'
import type { RobotRepo } from './robots/robot-repo.ts'
import type { HubReports } from './reports/hub-reports.ts'
import type { RobotRuleRepo } from './alerts/robot-rules.ts'
import type { HubSync } from './sync/hub-sync.ts'
import type { Leases } from './cluster/leases.ts'
import type { IngestSession } from './mqtt/ingest-session.ts'
import type { SessionAdoption } from './mqtt/session-adoption.ts'
import type { InfluxWriterStats } from './influx/writer.ts'
import type { AlertWebhook } from './alerts/webhook.ts'
import type { HubMetrics } from './metrics.ts'

/** What the API reads from InfluxDB (hub/influx). */
export interface TelemetryReader {
  sensors(
    q: {
      robotId: string
      stream: string
      from?: number
      to?: number
      resolution?: string
      servoId?: number
      sensor?: string
      fields?: string[]
      limit?: number
    },
    now: number,
  ): Promise<unknown>
  performance(q: { robotId: string; from?: number; to?: number; resolution?: string }, now: number): Promise<unknown>
  ping(): Promise<boolean>
}

export interface HubContext {
  config: HubConfig
  db: HubDb
  users: HubUserRepo
  robots: RobotRepo
  records: HubRecords
  bridge: MqttBridge
  /** The opt-in listener for unchanged earlier clients; null when off (the default). */
  legacyListener: LegacyListener | null
  telemetry: TelemetryReader
  live: FleetLive
  reports: HubReports
  /** The fleet alert rules, the alerts and people's actions on them. */
  alerts: FleetAlerts
  /** Rules the hub sets for what robots judge themselves (pulled down by each robot). */
  robotRules: RobotRuleRepo
  /** Robots' sync batches, what flows down to them, their sync state. */
  sync: HubSync
  /** Rewrites Mosquitto's password and ACL files and makes it reload them; robots are told to pull the users again. */
  syncBrokerAuth(): Promise<void>
  jwtSecret: string
  /** What the auth layer checks tokens and robot credentials against. */
  authSources: AuthSources
  /** Failed logins per peer address and per account. */
  throttle: AuthThrottle
  log: Logger
  startedAt: number
  /** This process among the hub's replicas: its name, the leases it holds, its share of the ingest. */
  cluster: { replica: string; leases: Leases; ingest: IngestSession; adoption: SessionAdoption }
  /** The CA robots pin (PEM), when the hub has one of its own (TONYPI_HUB_TLS_CA). */
  tlsCa: string | null
  /** The live MQTT path's InfluxDB writer and the alert webhook, for the metrics. */
  influxWriter?: { stats(): InfluxWriterStats }
  webhook?: AlertWebhook | null
  /** What GET metrics serves (made by the API). */
  metrics?: HubMetrics
}
