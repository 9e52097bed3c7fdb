// The fleet rules in Postgres: one global rule per metric (seeded from fleet-rules.ts) and, for
// any robot, an override of the whole rule. A robot's effective rule is its override, else the
// global one. Edits are partial and checked as a whole rule (core/alerts/rule.ts) before anything
// is written. Rows of other metrics (rules meant for the robots themselves) are not touched.
import { and, eq, inArray, isNull } from 'drizzle-orm'
import { ALERT_METRICS, type AlertMetric } from '../../core/alerts/defaults.ts'
import { applyRulePatch, type RulePatch, type RuleRecord } from '../../core/alerts/record.ts'
import { ruleProblem, type AlertRule } from '../../core/alerts/rule.ts'
import type { HubDb } from '../db/database.ts'
import { alertRules } from '../db/schema.ts'
import { defaultFleetRules, FLEET_METRIC_NAMES, fleetMetric, isFleetMetric } from './fleet-rules.ts'
import { ruleLabel } from '../../core/alerts/describe.ts'

export type RuleRow = typeof alertRules.$inferSelect

/** A rule as the API shows it: `robot_id` null for a global rule, else the robot it overrides. */
export type HubRuleRecord = RuleRecord & { robot_id: string | null }

export class RuleError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message)
  }
}

export const toRule = (r: RuleRow): AlertRule => ({
  metric: r.metric,
  direction: r.direction,
  warning: r.warning,
  critical: r.critical,
  minDurationS: r.minDurationS,
  hysteresis: r.hysteresis,
  autoResolve: r.autoResolve,
  enabled: r.enabled,
})

/** A rule row as the API shows it; `metricOf` names what its metric is (the fleet's, or a robot's own). */
export function ruleRecord(r: RuleRow, metricOf: (metric: string) => AlertMetric | undefined = fleetMetric): HubRuleRecord {
  const m = metricOf(r.metric)
  return {
    metric: r.metric,
    robot_id: r.robotId,
    direction: r.direction,
    warning: r.warning,
    critical: r.critical,
    min_duration_s: r.minDurationS,
    hysteresis: r.hysteresis,
    auto_resolve: r.autoResolve,
    enabled: r.enabled,
    updated_at: r.updatedAt.getTime(),
    unit: m?.unit ?? '',
    meaning: m?.meaning ?? '',
    label: ruleLabel(r.metric, m),
    ...(m?.states ? { states: m.states } : {}),
  }
}

/** The rows in force for one robot: its overrides, else the global rules. Pure. */
export function effectiveRows(rows: readonly RuleRow[], robotId: string): RuleRow[] {
  const out = new Map<string, RuleRow>()
  for (const r of rows) if (r.robotId === null && !out.has(r.metric)) out.set(r.metric, r)
  for (const r of rows) if (r.robotId === robotId) out.set(r.metric, r)
  return FLEET_METRIC_NAMES.flatMap((m) => (out.has(m) ? [out.get(m)!] : []))
}

const unknownMetric = (metric: string) =>
  new RuleError(
    404,
    `no fleet alert rule ${metric}; the hub's rules are ${FLEET_METRIC_NAMES.join(', ')}, the robots' own are ${Object.keys(ALERT_METRICS).join(', ')}`,
  )

export class FleetRuleRepo {
  constructor(private readonly db: HubDb) {}

  /** Adds any default rule missing from the table; rules already there (edited or not) stay. */
  async seed(now: Date) {
    const have = new Set((await this.db.select({ metric: alertRules.metric }).from(alertRules).where(isNull(alertRules.robotId))).map((r) => r.metric))
    const missing = defaultFleetRules().filter((d) => !have.has(d.metric))
    // A second hub starting at the same moment is stopped by the unique index, not by this check.
    if (missing.length)
      await this.db
        .insert(alertRules)
        .values(missing.map((d) => ({ ...d, robotId: null, updatedAt: now })))
        .onConflictDoNothing()
  }

  /** Every fleet rule row, global and per robot. */
  async rows(): Promise<RuleRow[]> {
    return this.db.select().from(alertRules).where(inArray(alertRules.metric, FLEET_METRIC_NAMES)).orderBy(alertRules.id)
  }

  /** The global rules, or the rules in force for one robot (each says whether it is the robot's own). */
  async records(robotId: string | null): Promise<HubRuleRecord[]> {
    const rows = await this.rows()
    return (
      robotId === null
        ? effectiveRows(
            rows.filter((r) => r.robotId === null),
            '',
          )
        : effectiveRows(rows, robotId)
    ).map((r) => ruleRecord(r))
  }

  /**
   * Applies a partial edit to the global rule, or to a robot's override (created from the rule
   * in force for it on its first edit). Throws RuleError; writes nothing when the result is not
   * a consistent rule.
   */
  async update(metric: string, robotId: string | null, patch: RulePatch, now: Date): Promise<HubRuleRecord> {
    if (!isFleetMetric(metric)) throw unknownMetric(metric)
    const rows = (await this.rows()).filter((r) => r.metric === metric)
    const own = rows.find((r) => r.robotId === robotId)
    const base = own ?? rows.find((r) => r.robotId === null)
    if (!base) throw new RuleError(404, `the global ${metric} rule is missing; restart the hub to seed it`)
    const next = applyRulePatch(toRule(base), patch)
    const problem = ruleProblem(next)
    if (problem) throw new RuleError(400, `${metric}: ${problem}`)
    const { metric: _, ...values } = next
    if (own) {
      const [row] = await this.db
        .update(alertRules)
        .set({ ...values, updatedAt: now })
        .where(eq(alertRules.id, own.id))
        .returning()
      return ruleRecord(row)
    }
    const [row] = await this.db
      .insert(alertRules)
      .values({ ...values, metric, robotId, updatedAt: now })
      .returning()
    return ruleRecord(row)
  }

  /** Removes a robot's override, so the global rule applies to it again; false when it had none. */
  async removeOverride(metric: string, robotId: string): Promise<boolean> {
    if (!isFleetMetric(metric)) throw unknownMetric(metric)
    const gone = await this.db
      .delete(alertRules)
      .where(and(eq(alertRules.metric, metric), eq(alertRules.robotId, robotId)))
      .returning({ id: alertRules.id })
    return gone.length > 0
  }
}
