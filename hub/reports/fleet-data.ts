// The robots a fleet report covers, each with its own figures: the registered robots (the most
// recently heard from first, up to a cap), read in groups through the same `hubReportInputs`
// and `computeReport` a robot report uses, so a fleet row never disagrees with a robot report.
// Groups bound each InfluxDB answer (rows grow with robots x buckets) and run one after the
// other, so a large fleet takes longer rather than loading the databases all at once.
import { sql } from 'drizzle-orm'
import { computeReport, type ReportType } from '../../core/reports/figures.ts'
import type { FleetCoverage, FleetMember } from '../../core/reports/fleet-figures.ts'
import type { ReportWindow } from '../../core/reports/time-range.ts'
import { robots } from '../db/schema.ts'
import { ROBOT_ID_PATTERN } from '../influx/influxql.ts'
import { hubReportInputs, type HubReportSources } from './report-data.ts'

/** A fleet report lists every robot in one table and one prompt; past this it would be neither readable nor cheap. */
export const MAX_FLEET_ROBOTS = 200
/** Robots per group of queries: a day's servo buckets for 20 robots of 16 servos is ~40k rows. */
export const ROBOTS_PER_QUERY = 20

export interface FleetData {
  members: FleetMember[]
  coverage: FleetCoverage
}

/** Registered robots, most recently seen first (never seen last), as the fleet report takes them. */
export async function fleetRobots(src: Pick<HubReportSources, 'db'>) {
  return src.db
    .select({ robotId: robots.robotId, name: robots.name, status: robots.status, lastSeenAt: robots.lastSeenAt })
    .from(robots)
    .orderBy(sql`${robots.lastSeenAt} desc nulls last`, robots.robotId)
}

export async function fleetData(src: HubReportSources, type: ReportType, w: ReportWindow, now: number, opts: { maxRobots?: number } = {}): Promise<FleetData> {
  const registered = await fleetRobots(src)
  // An id the InfluxQL builders would refuse cannot have telemetry; it is counted as left out.
  const chosen = registered.filter((r) => ROBOT_ID_PATTERN.test(r.robotId)).slice(0, opts.maxRobots ?? MAX_FLEET_ROBOTS)
  const members: FleetMember[] = []
  for (let i = 0; i < chosen.length; i += ROBOTS_PER_QUERY) {
    const group = chosen.slice(i, i + ROBOTS_PER_QUERY)
    const inputs = await hubReportInputs(
      src,
      group.map((r) => r.robotId),
      type,
      w,
      now,
    )
    for (const r of group) {
      members.push({
        robot_id: r.robotId,
        name: r.name,
        status_now: r.status,
        last_seen_at: r.lastSeenAt?.getTime() ?? null,
        figures: computeReport(inputs.get(r.robotId)!, type).figures,
      })
    }
  }
  return { members, coverage: { window: w, registered: registered.length, omitted: registered.length - chosen.length } }
}
