// The Pi firmware's throttling bits (`vcgencmd get_throttled`), as the edge decodes them in
// pi/performance; the live feed carries only the raw number.
import type { ThrottledFlags } from './types.ts'

export function decodeThrottled(raw: number): ThrottledFlags {
  const bit = (n: number) => (raw & (1 << n)) !== 0
  return {
    raw,
    under_voltage_now: bit(0),
    freq_capped_now: bit(1),
    throttled_now: bit(2),
    soft_temp_limit_now: bit(3),
    under_voltage_occurred: bit(16),
    freq_capped_occurred: bit(17),
    throttled_occurred: bit(18),
    soft_temp_limit_occurred: bit(19),
  }
}

export function throttleSummary(f: ThrottledFlags | null): { text: string; tone: 'ok' | 'warn' | 'bad' | 'muted' } {
  if (!f) return { text: 'Not reported', tone: 'muted' }
  const now = [
    f.under_voltage_now && 'under-voltage',
    f.throttled_now && 'throttled',
    f.freq_capped_now && 'frequency capped',
    f.soft_temp_limit_now && 'soft temperature limit',
  ].filter(Boolean)
  if (now.length) return { text: `Now: ${now.join(', ')}`, tone: 'bad' }
  const past = [
    f.under_voltage_occurred && 'under-voltage',
    f.throttled_occurred && 'throttling',
    f.freq_capped_occurred && 'frequency capping',
    f.soft_temp_limit_occurred && 'soft temperature limit',
  ].filter(Boolean)
  if (past.length) return { text: `Since boot: ${past.join(', ')}`, tone: 'warn' }
  return { text: 'None', tone: 'ok' }
}
