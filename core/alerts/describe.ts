// Words for an alert change: the title a toast shows and the message the alert list keeps.
// They name the value, the line it crossed and what that means for the robot, so a reader
// does not need to know the rules to act on one.
import { ALERT_METRICS, type AlertMetric } from './defaults.ts'
import type { AlertChange } from './engine.ts'
import type { AlertRule } from './rule.ts'

export interface AlertText {
  title: string
  message: string
}

function num(x: number): string {
  return String(Math.round(x * 100) / 100)
}

function withUnit(x: number, unit: string): string {
  if (!unit) return num(x)
  return unit === '%' || unit === '°' ? `${num(x)}${unit}` : `${num(x)} ${unit}`
}

/**
 * `sourceLabel` names the source for people ("3 (r_hip)"); the rule gives the clearing line;
 * `metric` describes a metric that is not the robot's own (the hub's fleet rules).
 */
export function describeChange(change: AlertChange, opts: { sourceLabel?: string; rule?: AlertRule; metric?: AlertMetric } = {}): AlertText {
  const meta = opts.metric ?? ALERT_METRICS[change.type]
  const label = opts.sourceLabel ?? change.source
  const subject = meta ? meta.subject(label) : `${change.type}${label ? ` ${label}` : ''}`
  const unit = meta?.unit ?? ''
  const meaning = meta?.meaning ? ` ${meta.meaning[0].toUpperCase()}${meta.meaning.slice(1)}.` : ''
  const note = change.note ? `: ${change.note}` : ''
  const low = opts.rule?.direction === 'low'
  const cleared = change.kind === 'resolve' || (change.kind === 'update' && !change.active)

  if (meta?.states) {
    if (!cleared) return { title: `${subject} ${meta.states.on}${note}`, message: `${subject} ${meta.states.on}${note}.${meaning}` }
    // A disabled rule says nothing about the state: "answering again" would be a guess.
    if (change.kind === 'resolve' && change.reason === 'rule_disabled')
      return { title: `${subject}: rule disabled`, message: `The ${change.type} rule was disabled.` }
    const how = `${subject} ${meta.states.off}.`
    return { title: `${subject} ${meta.states.off}`, message: change.kind === 'update' ? `${how} The alert stays open until an operator resolves it.` : how }
  }

  const value = withUnit(change.value, unit)
  if (!cleared) {
    const side = low ? 'below' : 'above'
    const line = change.threshold !== null ? `, ${side} the ${change.severity} line of ${withUnit(change.threshold, unit)}` : ''
    return { title: `${subject} ${low ? 'low' : 'high'}: ${value}`, message: `${value}${line}.${meaning}` }
  }
  if (change.kind === 'resolve' && change.reason === 'rule_disabled') {
    return { title: `${subject}: rule disabled`, message: `The ${change.type} rule was disabled; last value ${value}.` }
  }
  const rule = opts.rule
  const clearLine =
    rule && change.threshold !== null ? ` (${low ? 'above' : 'below'} ${withUnit(change.threshold + (low ? rule.hysteresis : -rule.hysteresis), unit)})` : ''
  const peak = change.kind === 'resolve' ? `; the ${low ? 'lowest' : 'highest'} was ${withUnit(change.peak, unit)}` : ''
  const open = change.kind === 'update' ? ' The alert stays open until an operator resolves it.' : ''
  return { title: `${subject} back to normal: ${value}`, message: `${value}${clearLine}${peak}.${open}` }
}

/** What a rule watches, for people: "Servo temperature", "Servo not answering", "Robot has fallen". */
export function ruleLabel(metric: string, meta: AlertMetric | undefined): string {
  if (!meta) return metric.replace(/_/g, ' ')
  const subject = meta.subject('').replace(/\s+/g, ' ').trim()
  return meta.states ? `${subject} ${meta.states.on}` : subject
}
