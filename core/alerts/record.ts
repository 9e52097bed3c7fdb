// The alert and rule records as the API returns them and MQTT carries them, declared once
// (TypeBox) so the edge's routes, the alerts topic and, later, the hub share one shape.
// Times are epoch milliseconds.
import { Type as T, type Static } from '@sinclair/typebox'
import { literals } from '../schemas.ts'
import type { AlertRule, AlertSeverity } from './rule.ts'

export const AlertSeveritySchema = T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')])

export const AlertRecord = T.Object({
  id: T.Integer(),
  robot_id: T.String(),
  type: T.String({ description: 'the rule metric: servo_temperature, battery_percent, fall...' }),
  severity: AlertSeveritySchema,
  source: T.String({ description: "a servo id, or '' for the robot" }),
  value: T.Union([T.Number(), T.Null()]),
  threshold: T.Union([T.Number(), T.Null()]),
  title: T.String(),
  message: T.String(),
  created_at: T.Number(),
  updated_at: T.Number(),
  acknowledged: T.Boolean(),
  acknowledged_by: T.Union([T.String(), T.Null()]),
  acknowledged_at: T.Union([T.Number(), T.Null()]),
  resolved: T.Boolean(),
  resolved_at: T.Union([T.Number(), T.Null()]),
  /** On the hub: the robot's own id of an alert the robot raised (synced); absent or null for the hub's own. */
  edge_id: T.Optional(T.Union([T.Integer(), T.Null()])),
})
export type AlertRecord = Static<typeof AlertRecord>

/** What happened to the alert in this message. */
export const AlertChangeKind = T.Union(literals(['open', 'update', 'resolve', 'acknowledge']))
export type AlertChangeKind = Static<typeof AlertChangeKind>

/**
 * One message on `tonypi/system/alerts` and one `alert` event on the live feed: the alert as it
 * is now, what changed, and who did it when a person did.
 */
export const AlertMessage = T.Intersect([AlertRecord, T.Object({ change: AlertChangeKind, by: T.Optional(T.String()) })])
export type AlertMessage = Static<typeof AlertMessage>

export const RuleRecord = T.Object({
  metric: T.String(),
  direction: T.Union([T.Literal('high'), T.Literal('low')]),
  warning: T.Union([T.Number(), T.Null()]),
  critical: T.Union([T.Number(), T.Null()]),
  min_duration_s: T.Number(),
  hysteresis: T.Number(),
  auto_resolve: T.Boolean(),
  enabled: T.Boolean(),
  updated_at: T.Number(),
  unit: T.String(),
  meaning: T.String(),
  label: T.String({ description: 'what the rule watches, for people: "Servo temperature", "Robot has fallen"' }),
  states: T.Optional(
    T.Object({ on: T.String(), off: T.String() }, { description: "a 0/1 metric's two states (fallen / upright again): its level is 1, not a threshold" }),
  ),
})
export type RuleRecord = Static<typeof RuleRecord>

export const RulePatch = T.Object(
  {
    direction: T.Optional(T.Union([T.Literal('high'), T.Literal('low')])),
    warning: T.Optional(T.Union([T.Number(), T.Null()])),
    critical: T.Optional(T.Union([T.Number(), T.Null()])),
    min_duration_s: T.Optional(T.Number({ minimum: 0 })),
    hysteresis: T.Optional(T.Number({ minimum: 0 })),
    auto_resolve: T.Optional(T.Boolean()),
    enabled: T.Optional(T.Boolean()),
  },
  { minProperties: 1, additionalProperties: false },
)
export type RulePatch = Static<typeof RulePatch>

/** The rule with a partial edit applied (API names to the rule's); check it with ruleProblem. */
export function applyRulePatch(rule: AlertRule, patch: RulePatch): AlertRule {
  return {
    ...rule,
    ...(patch.direction !== undefined ? { direction: patch.direction } : {}),
    ...(patch.warning !== undefined ? { warning: patch.warning } : {}),
    ...(patch.critical !== undefined ? { critical: patch.critical } : {}),
    ...(patch.min_duration_s !== undefined ? { minDurationS: patch.min_duration_s } : {}),
    ...(patch.hysteresis !== undefined ? { hysteresis: patch.hysteresis } : {}),
    ...(patch.auto_resolve !== undefined ? { autoResolve: patch.auto_resolve } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
  }
}

/** What GET alerts filters on; the hub adds a robot and paging. */
export interface AlertFilter {
  robot_id?: string
  resolved?: boolean
  acknowledged?: boolean
  severity?: AlertSeverity | 'info'
  type?: string
  source?: string
  from?: number
  to?: number
  limit?: number
  offset?: number
}

/** The type of an alert a person raised (POST alerts): no rule judges it, a person resolves it. */
export const MANUAL_ALERT_TYPE = 'manual'

/** An operator's own alert: what they saw, how bad. */
export const ManualAlert = T.Object(
  {
    severity: AlertSeveritySchema,
    title: T.String({ minLength: 1, maxLength: 200 }),
    message: T.Optional(T.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)
export type ManualAlert = Static<typeof ManualAlert>

/** Each manual alert is its own (one open alert per type and source): its source says who and when. */
export const manualAlertSource = (username: string, ts: number) => `${username.slice(0, 40)}@${ts}`

/** Counts of the alerts matching a filter (GET alerts/stats). */
export const AlertStats = T.Object({
  total: T.Integer(),
  by_severity: T.Object({ info: T.Integer(), warning: T.Integer(), critical: T.Integer() }),
  by_type: T.Record(T.String(), T.Integer(), { description: 'alert type (the rule metric, or manual) to count' }),
  unacknowledged: T.Integer({ description: 'open and not acknowledged' }),
  unresolved: T.Integer(),
})
export type AlertStats = Static<typeof AlertStats>

/** Counts by severity and type from (severity, type, acknowledged, resolved, n) groups, as both ends query them. */
export function alertStats(groups: readonly { severity: string; type: string; acknowledged: boolean; resolved: boolean; n: number }[]): AlertStats {
  const out: AlertStats = { total: 0, by_severity: { info: 0, warning: 0, critical: 0 }, by_type: {}, unacknowledged: 0, unresolved: 0 }
  for (const g of groups) {
    out.total += g.n
    if (g.severity === 'info' || g.severity === 'warning' || g.severity === 'critical') out.by_severity[g.severity] += g.n
    out.by_type[g.type] = (out.by_type[g.type] ?? 0) + g.n
    if (!g.resolved) out.unresolved += g.n
    if (!g.resolved && !g.acknowledged) out.unacknowledged += g.n
  }
  return out
}

/** Which open, unacknowledged alerts POST alerts/acknowledge-all acknowledges (the hub adds robot_id). */
export const AcknowledgeFilter = {
  severity: T.Optional(AlertSeveritySchema),
  type: T.Optional(T.String({ maxLength: 64 })),
  source: T.Optional(T.String({ maxLength: 64 })),
  from: T.Optional(T.Number({ minimum: 0, maximum: 8.64e15, description: 'created at or after, epoch ms' })),
  to: T.Optional(T.Number({ minimum: 0, maximum: 8.64e15, description: 'created at or before, epoch ms' })),
}
/** At most this many in one call: a person acknowledges what they can see, not an unbounded backlog. */
export const ACKNOWLEDGE_ALL_MAX = 1000
