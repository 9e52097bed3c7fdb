// The hub's end of sync, in one place for the routes: the batch store, the rules it sets for
// robots, what flows down, and what a stored batch tells the rest of the hub (the robot's
// alerts announced like the hub's own, its sync state on the live feed).
import type { Logger } from '../../core/log.ts'
import type { IngestPlan } from '../../sync/ingest.ts'
import type { RobotRuleRepo } from '../alerts/robot-rules.ts'
import type { AlertWebhook } from '../alerts/webhook.ts'
import type { HubDb } from '../db/database.ts'
import { syncState } from '../db/schema.ts'
import type { InfluxAckedWrites } from '../influx/acked-writes.ts'
import { BatchStore, SyncGap, type AppliedBatch } from './batch-store.ts'
import { downStateFor } from './down-state.ts'

export class HubSync {
  private readonly store: BatchStore

  constructor(
    private readonly deps: { db: HubDb; influx: InfluxAckedWrites; robotRules: RobotRuleRepo; log: Logger; webhook?: Pick<AlertWebhook, 'stage'> | null },
  ) {
    this.store = new BatchStore({ db: deps.db, influx: deps.influx, log: deps.log, webhook: deps.webhook })
  }

  syncRow(robotId: string) {
    return this.store.syncRow(robotId)
  }

  syncRows() {
    return this.deps.db.select().from(syncState)
  }

  anchors(robotId: string, current: { bootId: string; monoMs: number; arrivalMs: number; rttMs?: number; anchorMs?: number }, boots: readonly string[]) {
    return this.store.anchors(robotId, current, boots)
  }

  /** Batches by outcome and records applied, for the metrics. */
  readonly counters = { applied: 0, gaps: 0, failed: 0, records: 0 }

  async apply(robotId: string, plan: IngestPlan, arrivalMs: number): Promise<AppliedBatch> {
    try {
      const r = await this.store.apply(robotId, plan, arrivalMs)
      this.counters.applied++
      this.counters.records += plan.chunks.length + plan.events.length + plan.alerts.length + plan.jobs.length + plan.commands.length + plan.reports.length
      return r
    } catch (err) {
      if (err instanceof SyncGap) this.counters.gaps++
      else this.counters.failed++
      throw err
    }
  }

  downState(robotId: string, done: readonly number[]) {
    return downStateFor(this.deps.db, this.deps.robotRules, robotId, done)
  }
}
