// Rules for what the robots judge themselves (servo temperature, battery, a fall...), set on the
// hub: globally for the fleet, or for one robot, each a whole rule. The robots pull them down
// with their sync (sync/protocol.ts DownRule) and apply each new version over their own; a
// robot's local edit stands until the hub edits that rule again. The starting point of a first
// edit is the robots' default (core/alerts/defaults.ts, for a 2S pack: the hub does not know a
// robot's pack, so a 3S robot's servo supply rule should be set whole).
import { and, eq, inArray, isNull } from 'drizzle-orm'
import { ALERT_METRICS, defaultRules } from '../../core/alerts/defaults.ts'
import { applyRulePatch, type RulePatch } from '../../core/alerts/record.ts'
import { ruleProblem } from '../../core/alerts/rule.ts'
import type { DownRule } from '../../sync/protocol.ts'
import type { HubDb } from '../db/database.ts'
import { alertRules } from '../db/schema.ts'
import { ruleRecord, RuleError, toRule, type HubRuleRecord, type RuleRow } from './rule-repo.ts'

export const ROBOT_METRIC_NAMES = Object.keys(ALERT_METRICS)
export const isRobotMetric = (m: string) => Object.hasOwn(ALERT_METRICS, m)

const record = (r: RuleRow): HubRuleRecord => ruleRecord(r, (m) => ALERT_METRICS[m])

export class RobotRuleRepo {
  constructor(private readonly db: HubDb) {}

  private rows(): Promise<RuleRow[]> {
    return this.db.select().from(alertRules).where(inArray(alertRules.metric, ROBOT_METRIC_NAMES)).orderBy(alertRules.id)
  }

  /** The hub's rules for robots: global ones, and with a robot the ones in force for it (its own first). */
  async records(robotId: string | null): Promise<HubRuleRecord[]> {
    return (await this.effective(robotId)).map(record)
  }

  private async effective(robotId: string | null): Promise<RuleRow[]> {
    const out = new Map<string, RuleRow>()
    for (const r of await this.rows()) {
      if (r.robotId === null && !out.has(r.metric)) out.set(r.metric, r)
      if (robotId !== null && r.robotId === robotId) out.set(r.metric, r)
    }
    return [...out.values()]
  }

  /** What a robot pulls down: every rule the hub sets for it. */
  async forRobot(robotId: string): Promise<DownRule[]> {
    return (await this.effective(robotId)).map((r) => {
      const { robot_id: _r, unit: _u, meaning: _m, ...rule } = record(r)
      return rule
    })
  }

  async update(metric: string, robotId: string | null, patch: RulePatch, now: Date): Promise<HubRuleRecord> {
    if (!isRobotMetric(metric)) throw new RuleError(404, `no robot alert rule ${metric}; the robots' rules are ${ROBOT_METRIC_NAMES.join(', ')}`)
    const rows = (await this.rows()).filter((r) => r.metric === metric)
    const own = rows.find((r) => r.robotId === robotId)
    const base = own
      ? toRule(own)
      : rows.find((r) => r.robotId === null)
        ? toRule(rows.find((r) => r.robotId === null)!)
        : defaultRules('2S').find((d) => d.metric === metric)!
    const next = applyRulePatch(base, patch)
    const problem = ruleProblem(next)
    if (problem) throw new RuleError(400, `${metric}: ${problem}`)
    const { metric: _, ...values } = next
    const [row] = own
      ? await this.db
          .update(alertRules)
          .set({ ...values, updatedAt: now })
          .where(eq(alertRules.id, own.id))
          .returning()
      : await this.db
          .insert(alertRules)
          .values({ ...values, metric, robotId, updatedAt: now })
          .returning()
    return record(row)
  }

  /** Stops setting this rule (for one robot, or globally): robots keep what they have. Returns the rule removed. */
  async remove(metric: string, robotId: string | null): Promise<HubRuleRecord | null> {
    const [gone] = await this.db
      .delete(alertRules)
      .where(and(eq(alertRules.metric, metric), robotId === null ? isNull(alertRules.robotId) : eq(alertRules.robotId, robotId)))
      .returning()
    return gone ? record(gone) : null
  }
}
