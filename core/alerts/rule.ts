// An alert rule: which side of a metric is bad, where warning and critical begin, how long a
// value must stay there, and how far it must come back before the alert clears. The edge
// stores rules in SQLite and the hub will push them; both check them with `ruleProblem`.

export type AlertDirection = 'high' | 'low'
export type AlertSeverity = 'warning' | 'critical'

export interface AlertRule {
  /** Also the alert's `type`: one open alert per (metric, source). */
  metric: string
  direction: AlertDirection
  /** null: this level is not used (a rule may have only a critical level). */
  warning: number | null
  critical: number | null
  /** How long the value must stay beyond a line before the alert opens or escalates. */
  minDurationS: number
  /** How far back inside the line the value must come before the level drops or clears. */
  hysteresis: number
  /** When false the alert stays open after the condition clears, until an operator resolves it. */
  autoResolve: boolean
  enabled: boolean
}

/** Limits that keep a rule meaningful: a day-long minimum duration is a typo, not a rule. */
export const MAX_MIN_DURATION_S = 3600

/** Why a rule cannot be used, or null when it is consistent. */
export function ruleProblem(rule: AlertRule): string | null {
  const { warning, critical, direction } = rule
  if (warning === null && critical === null) return 'a rule needs a warning or a critical level (or both)'
  for (const [name, v] of [
    ['warning', warning],
    ['critical', critical],
    ['hysteresis', rule.hysteresis],
    ['min_duration_s', rule.minDurationS],
  ] as const) {
    if (v !== null && !Number.isFinite(v)) return `${name} must be a finite number`
  }
  if (rule.hysteresis < 0) return 'hysteresis must be 0 or more'
  if (rule.minDurationS < 0 || rule.minDurationS > MAX_MIN_DURATION_S) return `min_duration_s must be between 0 and ${MAX_MIN_DURATION_S}`
  if (warning !== null && critical !== null) {
    if (direction === 'high' && !(critical > warning)) return `a high-side rule needs critical above warning (got warning ${warning}, critical ${critical})`
    if (direction === 'low' && !(critical < warning)) return `a low-side rule needs critical below warning (got warning ${warning}, critical ${critical})`
    // A band wider than the gap between the levels would keep a de-escalated alert critical.
    if (rule.hysteresis >= Math.abs(critical - warning))
      return `hysteresis (${rule.hysteresis}) must be smaller than the gap between warning and critical (${Math.abs(critical - warning)})`
  }
  return null
}

/** The line of one level, or null when the rule does not use it. */
export function thresholdOf(rule: AlertRule, severity: AlertSeverity): number | null {
  return severity === 'critical' ? rule.critical : rule.warning
}
