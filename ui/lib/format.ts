// How numbers read on the dashboard: units always shown, missing values as an em dash
// (never a zero that looks like a reading).
const DASH = '\u2014'

export function num(v: number | null | undefined, digits = 0, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH
  // -0.02 shown to one digit must read 0.0, not -0.0.
  const s = v.toFixed(digits)
  return `${/^-0\.?0*$/.test(s) ? s.slice(1) : s}${unit ? `\u202f${unit}` : ''}`
}

export function signed(v: number | null | undefined, digits = 1, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH
  const abs = Math.abs(v).toFixed(digits)
  const s = Number(abs) === 0 ? '' : v > 0 ? '+' : '\u2212'
  return `${s}${abs}${unit ? `\u202f${unit}` : ''}`
}

export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let x = v
  let i = 0
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024
    i++
  }
  return `${x.toFixed(x >= 100 || i === 0 ? 0 : 1)}\u202f${units[i]}`
}

export function bitsPerSecond(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return DASH
  const bits = bytesPerSecond * 8
  if (bits >= 1e6) return `${(bits / 1e6).toFixed(1)}\u202fMbit/s`
  if (bits >= 1e3) return `${(bits / 1e3).toFixed(1)}\u202fkbit/s`
  return `${bits.toFixed(0)}\u202fbit/s`
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH
  const s = Math.floor(seconds)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d) return `${d}d ${h}h`
  if (h) return `${h}h ${m}m`
  if (m) return `${m}m ${s % 60}s`
  return `${s}s`
}

export function time(ts: number | null | undefined, withSeconds = true): string {
  if (!ts) return DASH
  return new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) })
}

/** With `seconds` for records whose order within a minute matters (log entries). */
export function dateTime(ts: number | null | undefined, opts: { seconds?: boolean } = {}): string {
  if (!ts) return DASH
  return new Date(ts).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: opts.seconds ? 'medium' : 'short' })
}

/** left_knee_pitch -> Left knee pitch (core/servo-label.ts: alerts and reports say the same). */
export { jointLabel as jointName } from '../../core/servo-label.ts'

/** How long ago, for "last seen": "just now", "42 s ago", "5 min ago", "3 h ago", then the date. */
export function ago(ts: number | null | undefined, now = Date.now()): string {
  if (!ts) return 'never'
  const s = Math.max(0, Math.round((now - ts) / 1000))
  if (s < 5) return 'just now'
  if (s < 60) return `${s}\u202fs ago`
  if (s < 3600) return `${Math.floor(s / 60)}\u202fmin ago`
  if (s < 86400) return `${Math.floor(s / 3600)}\u202fh ago`
  return dateTime(ts)
}
