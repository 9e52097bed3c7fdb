// What the fleet rules read: for each robot, whether the hub counts it offline and, while it
// is online, how its sync stands (`sync_state`, which the sync work fills with each batch).
// A robot the hub has never heard from is not judged at all: registering a robot that is
// still in its box must not raise an alert.
import type { AlertReading } from '../../core/alerts/engine.ts'
import { BacklogGrowth } from './backlog-growth.ts'

export interface RobotFacts {
  robotId: string
  /** The robots table's status: what the bridge last wrote (it survives a hub restart). */
  status: 'unknown' | 'online' | 'emergency_stopped' | 'offline'
  revoked: boolean
  /** The bridge heard from it within the heartbeat timeout, since the hub started. */
  online: boolean
  sync: { lastBatchAt: number | null; backlog: number | null } | null
}

export interface PresenceContext {
  /** Wall clock, epoch ms: stamps the readings and measures the sync lag. */
  now: number
  /**
   * True once the hub has run longer than the heartbeat timeout: from then on a robot the
   * table calls online but the bridge has not heard since the start is silent, not just not
   * yet heard.
   */
  heartbeatElapsed: boolean
}

export class FleetReadings {
  private growth = new Map<string, BacklogGrowth>()

  of(r: RobotFacts, ctx: PresenceContext): AlertReading[] {
    // A revoked robot cannot connect: its silence is expected, not a condition.
    if (r.revoked) return []
    const offline = r.online ? false : r.status === 'offline' ? true : r.status === 'unknown' ? null : ctx.heartbeatElapsed ? true : null
    if (offline === null) return []
    const ts = ctx.now
    const out: AlertReading[] = [{ metric: 'robot_offline', source: '', value: offline ? 1 : 0, ts }]
    // An offline robot cannot sync; its lag and backlog are judged again once it is back.
    if (offline || !r.sync) return out
    const { lastBatchAt, backlog } = r.sync
    if (lastBatchAt !== null) out.push({ metric: 'sync_lag', source: '', value: Math.max(0, Math.round((ctx.now - lastBatchAt) / 1000)), ts })
    if (backlog !== null) {
      out.push({ metric: 'sync_backlog', source: '', value: backlog, ts })
      if (lastBatchAt !== null) {
        let g = this.growth.get(r.robotId)
        if (!g) this.growth.set(r.robotId, (g = new BacklogGrowth()))
        const rate = g.observe(lastBatchAt, backlog)
        if (rate !== null) out.push({ metric: 'sync_backlog_growth', source: '', value: Math.round(rate * 10) / 10, ts })
      }
    }
    return out
  }

  /** Robots that are gone leave nothing behind. */
  keepOnly(robotIds: ReadonlySet<string>) {
    for (const id of this.growth.keys()) if (!robotIds.has(id)) this.growth.delete(id)
  }
}
