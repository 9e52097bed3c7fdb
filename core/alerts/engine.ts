// Turns readings into alert changes. Pure: no clock, no I/O. Each call carries two times:
// `at`, a monotonic time for durations (so a wall-clock jump neither fires nor holds back an
// alert), and the reading's own `ts`, which stamps the alert.
//
// Per (rule, source) it keeps one track: the level the open alert shows (none, warning,
// critical) and, per level, since when the value has been beyond that level's line.
//  - A level is entered once the value has been beyond its line for the rule's minimum
//    duration and is beyond it now. The timer keeps running while the value stays within the
//    hysteresis band inside the line, and restarts when it leaves the band: a value hovering at
//    the line opens one alert after the minimum duration instead of none or many.
//  - A level is left, at once, when the value comes back inside the line by more than the
//    hysteresis: de-escalation, or a resolve when no level is left (or, when the rule does not
//    auto-resolve, an update that says the condition cleared and leaves the alert open).
// Only changes come out, so a 100 Hz stream costs a comparison per reading and writes nothing.
import { thresholdOf, type AlertRule, type AlertSeverity } from './rule.ts'

export interface AlertReading {
  /** The rule's metric, which is also the alert's type. */
  metric: string
  /** What the value belongs to: a servo id, or '' for the robot. */
  source: string
  value: number
  /** When it was measured, epoch ms (the edge's clock): stamps the alert. */
  ts: number
  /**
   * True for a state that holds until the next reading (an event: a servo went silent), so the
   * minimum duration may elapse without further readings; samples are re-judged only when the
   * next one arrives, never on a stale value.
   */
  holds?: boolean
  /** What to show instead of the raw value (the fall's angle, and which way). */
  shown?: { value: number; threshold: number; note: string }
}

interface ChangeBase {
  type: string
  source: string
  ts: number
  value: number
  threshold: number | null
  note?: string
}

export type AlertChange =
  | (ChangeBase & { kind: 'open'; severity: AlertSeverity })
  /** `active: false`: the condition cleared, but the rule leaves the alert to an operator. */
  | (ChangeBase & { kind: 'update'; severity: AlertSeverity; previous: AlertSeverity; active: boolean })
  | (ChangeBase & { kind: 'resolve'; severity: AlertSeverity; peak: number; reason: 'cleared' | 'rule_disabled' })

/** An alert that is open in storage, for a restarted engine to pick up. */
export interface OpenAlert {
  type: string
  source: string
  severity: AlertSeverity
  value: number | null
}

const LEVELS = [null, 'warning', 'critical'] as const
type Level = 0 | 1 | 2

interface Track {
  level: Level
  open: boolean
  severity: AlertSeverity | null
  /** Monotonic ms since which the value has been beyond (or in the band of) each level's line. */
  since: [null, number | null, number | null]
  peak: number | null
  last: { reading: AlertReading; at: number } | null
}

const keyOf = (type: string, source: string) => `${type}\u0000${source}`

export class AlertEngine {
  private rules = new Map<string, AlertRule>()
  private tracks = new Map<string, Track>()

  constructor(rules: readonly AlertRule[]) {
    for (const r of rules) this.rules.set(r.metric, { ...r })
  }

  rule(metric: string): AlertRule | undefined {
    return this.rules.get(metric)
  }

  /** Picks up alerts left open by an earlier run, so they clear when their condition does. */
  restore(open: readonly OpenAlert[]) {
    for (const a of open) {
      this.tracks.set(keyOf(a.type, a.source), {
        level: a.severity === 'critical' ? 2 : 1,
        open: true,
        severity: a.severity,
        since: [null, null, null],
        peak: a.value,
        last: null,
      })
    }
  }

  evaluate(reading: AlertReading, at: number): AlertChange[] {
    const rule = this.rules.get(reading.metric)
    if (!rule?.enabled) return []
    const key = keyOf(reading.metric, reading.source)
    let track = this.tracks.get(key)
    if (!track) {
      track = { level: 0, open: false, severity: null, since: [null, null, null], peak: null, last: null }
      this.tracks.set(key, track)
    }
    track.last = { reading, at }
    return this.step(rule, key, track, reading, at)
  }

  /** Lets minimum durations elapse for states that hold without new readings (events). */
  tick(at: number): AlertChange[] {
    const out: AlertChange[] = []
    for (const [key, track] of this.tracks) {
      const last = track.last
      if (!last?.reading.holds || !track.since.some((s, i) => s !== null && i > track.level)) continue
      const rule = this.rules.get(last.reading.metric)
      if (!rule?.enabled) continue
      const reading = { ...last.reading, ts: last.reading.ts + (at - last.at) }
      out.push(...this.step(rule, key, track, reading, at))
    }
    return out
  }

  /**
   * New rules take effect from the next reading. Alerts of a rule that is now disabled or gone
   * are resolved: nothing would ever evaluate them again.
   */
  setRules(rules: readonly AlertRule[], at: number, ts: number): AlertChange[] {
    this.rules = new Map(rules.map((r) => [r.metric, { ...r }]))
    const out: AlertChange[] = []
    for (const [key, track] of this.tracks) {
      const [type, source] = key.split('\u0000')
      const rule = this.rules.get(type)
      if (rule?.enabled) continue
      if (track.open && track.severity) {
        const r = track.last?.reading
        out.push({
          kind: 'resolve',
          type,
          source,
          ts: r ? r.ts + (at - track.last!.at) : ts,
          severity: track.severity,
          reason: 'rule_disabled',
          value: r?.shown?.value ?? r?.value ?? track.peak ?? 0,
          threshold: null,
          peak: track.peak ?? 0,
        })
      }
      this.tracks.delete(key)
    }
    return out
  }

  /** An operator resolved the alert: start afresh, so a condition that persists opens a new one. */
  forget(type: string, source: string) {
    this.tracks.delete(keyOf(type, source))
  }

  /** The open alerts as the engine sees them (for tests and diagnostics). */
  openAlerts(): { type: string; source: string; severity: AlertSeverity; active: boolean }[] {
    return [...this.tracks]
      .filter(([, t]) => t.open && t.severity)
      .map(([k, t]) => {
        const [type, source] = k.split('\u0000')
        return { type, source, severity: t.severity!, active: t.level > 0 }
      })
  }

  private step(rule: AlertRule, key: string, track: Track, reading: AlertReading, at: number): AlertChange[] {
    // Work on the high side: a low-side rule is the same rule on the negated value.
    const sign = rule.direction === 'high' ? 1 : -1
    const x = sign * reading.value
    const line = (l: Level): number | null => (l === 0 ? null : thresholdOf(rule, LEVELS[l]!))
    const beyond = (l: Level) => {
      const t = line(l)
      return t !== null && x >= sign * t
    }
    const held = (l: Level) => {
      const t = line(l)
      return t !== null && x >= sign * t - rule.hysteresis
    }

    for (const l of [1, 2] as const) {
      if (beyond(l)) track.since[l] ??= at
      else if (!held(l)) track.since[l] = null
    }
    let target = track.level
    while (target > 0 && !held(target)) target = (target - 1) as Level
    for (const l of [2, 1] as const) {
      if (l <= target) break
      const since = track.since[l]
      if (beyond(l) && since !== null && at - since >= rule.minDurationS * 1000) {
        target = l
        break
      }
    }
    if (track.open) track.peak = track.peak === null ? reading.value : sign * Math.max(sign * track.peak, x)

    const prev = track.level
    if (target === prev) return []
    track.level = target
    const base = {
      type: reading.metric,
      source: reading.source,
      ts: reading.ts,
      value: reading.shown?.value ?? reading.value,
      ...(reading.shown ? { note: reading.shown.note } : {}),
    }
    const thresholdFor = (l: Level) => reading.shown?.threshold ?? line(l)
    if (target > 0) {
      const severity = LEVELS[target]!
      if (!track.open) {
        track.open = true
        track.severity = severity
        track.peak = reading.value
        return [{ ...base, kind: 'open', severity, threshold: thresholdFor(target) }]
      }
      const previous = track.severity!
      track.severity = severity
      return [{ ...base, kind: 'update', severity, previous, active: true, threshold: thresholdFor(target) }]
    }
    const severity = track.severity!
    if (!rule.autoResolve) {
      return [{ ...base, kind: 'update', severity, previous: severity, active: false, threshold: thresholdFor(LEVELS.indexOf(severity) as Level) }]
    }
    const peak = track.peak ?? reading.value
    this.tracks.delete(key)
    return [{ ...base, kind: 'resolve', severity, peak, reason: 'cleared', threshold: thresholdFor(LEVELS.indexOf(severity) as Level) }]
  }
}
