// Which robots of a fleet need a look first. A fixed, documented score over a robot's row, so
// the ranking is the same every time and each place in it comes with the figures behind it;
// the narrative explains it, it does not decide it.
//
// The weights only order the list. Their sizes say what comes first: a servo at its limit can
// burn out within minutes (100); one reaching it within the hour is nearly as urgent (80); an
// emergency stop or critical alerts mean someone must act (30, 25 each); a low battery or a
// robot that sent nothing stops work (25, 20); the rest is worth knowing (10-15).
import { servoLabel } from '../servo-label.ts'
import type { FleetRobotRow } from './fleet-figures.ts'

export interface AttentionEntry {
  rank: number
  robot_id: string
  score: number
  /** Plain sentences, each naming the figure behind it. */
  reasons: string[]
}

/** A battery below this share stops a robot's work within minutes (a 2S pack sags fast below it). */
export const LOW_BATTERY_PERCENT = 20
/** Below this share of a window, a robot was mostly not heard from. */
export const LOW_ONLINE_PERCENT = 50
export const LOW_JOB_SUCCESS_PERCENT = 80
export const SYNC_LAG_S = 3_600
export const SYNC_BACKLOG_RECORDS = 10_000

interface Finding {
  points: number
  reason: string
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1))
const capped = (n: number, each: number, max: number) => Math.min(n * each, max)

/** The findings on one robot, in the order of their weight. */
export function findings(r: FleetRobotRow): Finding[] {
  const out: Finding[] = []
  const s = r.servos
  if (s?.first_to_limit) {
    const f = s.first_to_limit
    const name = `servo ${servoLabel(f.id, f.name)}`
    if (f.basis === 'at_or_over_limit') out.push({ points: 100, reason: `${name} is at or over its ${s.critical_c} °C limit` })
    else if (f.hours <= 1) out.push({ points: 80, reason: `${name} reaches ${s.critical_c} °C in about ${fmt(f.hours)} h at its present trend` })
    else if (f.hours <= 8) out.push({ points: 40, reason: `${name} reaches ${s.critical_c} °C in about ${fmt(f.hours)} h at its present trend` })
    else if (f.hours <= 24) out.push({ points: 15, reason: `${name} reaches ${s.critical_c} °C in about ${fmt(f.hours)} h at its present trend` })
  }
  if (r.status_now === 'emergency_stopped') out.push({ points: 30, reason: 'in emergency stop now' })
  const critical = r.alerts.by_severity.critical ?? 0
  if (critical > 0) out.push({ points: capped(critical, 25, 75), reason: `${critical} critical alert(s) in the window` })
  if (r.alerts.open > 0) out.push({ points: capped(r.alerts.open, 10, 30), reason: `${r.alerts.open} alert(s) still open` })
  const battery = r.battery?.min_percent
  if (battery != null && battery < LOW_BATTERY_PERCENT) out.push({ points: 25, reason: `battery fell to ${fmt(battery)} %` })
  if (!r.online_percent) out.push({ points: 20, reason: 'no data from it in the window' })
  else if (r.online_percent < LOW_ONLINE_PERCENT) out.push({ points: 10, reason: `data for only ${fmt(r.online_percent)} % of the window` })
  if (r.status_now === 'offline' && r.online_percent) out.push({ points: 10, reason: 'offline now' })
  const failed = r.jobs?.by_status.failed ?? 0
  if (r.jobs?.success_rate_percent != null && r.jobs.success_rate_percent < LOW_JOB_SUCCESS_PERCENT) {
    out.push({ points: 15, reason: `job success ${fmt(r.jobs.success_rate_percent)} % (${failed} failed)` })
  }
  if (r.sync?.lag_s != null && r.sync.lag_s > SYNC_LAG_S) out.push({ points: 15, reason: `last synced ${fmt(r.sync.lag_s / 3600)} h ago` })
  if (r.sync && r.sync.backlog_records > SYNC_BACKLOG_RECORDS) out.push({ points: 10, reason: `${r.sync.backlog_records} records waiting to sync` })
  if (r.restarts) out.push({ points: capped(r.restarts, 5, 15), reason: `restarted ${r.restarts} time(s)` })
  return out.sort((a, b) => b.points - a.points)
}

/** Robots with any finding, highest score first (ties by robot id). */
export function rankAttention(rows: readonly FleetRobotRow[]): AttentionEntry[] {
  return rows
    .map((r) => {
      const fs = findings(r)
      return { robot_id: r.robot_id, score: fs.reduce((a, f) => a + f.points, 0), reasons: fs.map((f) => f.reason) }
    })
    .filter((e) => e.score > 0)
    .sort((a, b) => b.score - a.score || a.robot_id.localeCompare(b.robot_id))
    .map((e, i) => ({ rank: i + 1, ...e }))
}
