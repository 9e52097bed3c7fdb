// What a servo's readings mean for a person. LX servos cut out near 85 C (over-temperature
// protection) and are specified for 6.0..8.4 V; warn well before either.
import type { Tone } from '../components/card.ts'

export const TEMP_WARN_C = 60
export const TEMP_BAD_C = 70
export const VOLT_WARN_V = 6.5
export const VOLT_BAD_V = 6.0

export interface ServoHealthView {
  label: string
  tone: Tone
}

/** `offline`: the dashboard has no live link, so it cannot tell whether the servo answers. */
export function servoHealth(
  s: { temperature_c: number | null; voltage_v: number | null; torque: boolean | null },
  stale: boolean,
  offline = false,
): ServoHealthView {
  if (offline) return { label: 'No live data', tone: 'muted' }
  if (stale) return { label: 'Not answering', tone: 'bad' }
  if (s.temperature_c !== null && s.temperature_c >= TEMP_BAD_C) return { label: 'Overheating', tone: 'bad' }
  if (s.voltage_v !== null && s.voltage_v < VOLT_BAD_V) return { label: 'Voltage low', tone: 'bad' }
  if (s.temperature_c !== null && s.temperature_c >= TEMP_WARN_C) return { label: 'Hot', tone: 'warn' }
  if (s.voltage_v !== null && s.voltage_v < VOLT_WARN_V) return { label: 'Voltage low', tone: 'warn' }
  if (s.torque === false) return { label: 'Torque off', tone: 'muted' }
  return { label: 'OK', tone: 'ok' }
}

export function tempTone(t: number | null): Tone {
  return t === null ? 'muted' : t >= TEMP_BAD_C ? 'bad' : t >= TEMP_WARN_C ? 'warn' : undefined
}

export function voltTone(v: number | null): Tone {
  return v === null ? 'muted' : v < VOLT_BAD_V ? 'bad' : v < VOLT_WARN_V ? 'warn' : undefined
}
