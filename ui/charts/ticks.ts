// Axis ticks people read easily: values on 1-2-5 steps, times on whole minutes and hours.

/** Decimals that tell apart ticks `step` apart. */
export function tickDigits(step: number): number {
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)))
}

export function niceStep(lo: number, hi: number, count = 5): number {
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
}

export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const step = niceStep(lo, hi, count)
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step)
  return out
}

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const TIME_STEPS = [1_000, 5_000, 15_000, 30_000, MIN, 5 * MIN, 15 * MIN, 30 * MIN, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY]

export function timeTicks(from: number, to: number, count = 6): { ticks: number[]; step: number } {
  const step = TIME_STEPS.find((s) => (to - from) / s <= count) ?? 30 * DAY
  // Align to local midnight-based steps so labels read 12:00, 12:15, not 12:07, 12:22.
  const offset = new Date(from).getTimezoneOffset() * MIN
  const ticks: number[] = []
  for (let t = Math.ceil((from - offset) / step) * step + offset; t <= to; t += step) ticks.push(t)
  return { ticks, step }
}

export function timeLabel(t: number, step: number): string {
  const d = new Date(t)
  if (step >= DAY) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(step < MIN ? { second: '2-digit' } : {}) })
  return step >= 6 * HOUR && d.getHours() === 0 && d.getMinutes() === 0 ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) : hm
}
