// The window a report covers: a preset counted back from now, or explicit epoch-ms bounds.

export const TIME_RANGE_PRESETS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const
export type TimeRangePreset = keyof typeof TIME_RANGE_PRESETS
export type TimeRange = TimeRangePreset | { from: number; to: number }

/** A month of per-minute rollups is what a Pi scans in well under the 2 s a report may take. */
export const MAX_REPORT_WINDOW_MS = 31 * 86_400_000

export interface ReportWindow {
  from: number
  to: number
  preset: TimeRangePreset | null
}

export class TimeRangeError extends Error {}

export function isPreset(s: unknown): s is TimeRangePreset {
  return typeof s === 'string' && Object.hasOwn(TIME_RANGE_PRESETS, s)
}

export function resolveTimeRange(range: TimeRange, now: number): ReportWindow {
  if (typeof range === 'string') {
    if (!isPreset(range)) throw new TimeRangeError(`time_range must be one of ${Object.keys(TIME_RANGE_PRESETS).join(', ')} or {from, to}`)
    return { from: now - TIME_RANGE_PRESETS[range], to: now, preset: range }
  }
  const { from, to } = range
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new TimeRangeError('time_range.from and time_range.to must be epoch milliseconds')
  if (!(from < to)) throw new TimeRangeError('time_range.from must be before time_range.to')
  if (to - from > MAX_REPORT_WINDOW_MS) throw new TimeRangeError(`a report covers at most ${MAX_REPORT_WINDOW_MS / 86_400_000} days`)
  // A window reaching into the future would make coverage look worse than it is.
  const end = Math.min(to, now)
  if (!(from < end)) throw new TimeRangeError('time_range lies in the future')
  return { from, to: end, preset: null }
}
