// The robot's servo list from configuration: which ids, their names and their limits.
import { ConfigError, EDGE_CONFIG_SPEC } from './config.ts'
import { TONYPI_SERVOS } from './tonypi-servos.ts'

export interface ServoSpec {
  id: number
  name: string
  min: number
  max: number
}

export function parseServoIds(spec: string, key = 'TONYPI_SERVO_IDS'): number[] {
  const ids = new Set<number>()
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map(Number)
    const hi = b ?? a
    if (!(a >= 0 && hi <= 253 && a <= hi)) throw new ConfigError(key, `bad id or range ${JSON.stringify(part)} (ids are 0..253)`)
    for (let i = a; i <= hi; i++) ids.add(i)
  }
  return [...ids].sort((x, y) => x - y)
}

function pairs(spec: string | undefined): [number, string][] {
  if (!spec) return []
  return spec.split(',').map((p) => {
    const i = p.indexOf('=')
    return [Number(p.slice(0, i)), p.slice(i + 1)]
  })
}

/**
 * `defaults`: another robot's servos when TONYPI_SERVO_IDS is left at its default (the earlier
 * client's six, for the legacy-client profile); TONYPI_SERVO_NAMES and _LIMITS apply either way.
 */
export function servoSpecs(
  cfg: { servoIds: string; servoNames?: string; servoLimits?: string },
  defaults?: readonly { id: number; name: string }[],
): ServoSpec[] {
  const own = defaults && cfg.servoIds === EDGE_CONFIG_SPEC.properties.servoIds.default
  const ids = own ? defaults.map((s) => s.id) : parseServoIds(cfg.servoIds)
  const names = new Map<number, string>((own ? defaults : TONYPI_SERVOS).map((s) => [s.id, s.name]))
  for (const [id, name] of pairs(cfg.servoNames)) {
    if (!ids.includes(id)) throw new ConfigError('TONYPI_SERVO_NAMES', `servo ${id} is not in TONYPI_SERVO_IDS`)
    names.set(id, name)
  }
  const limits = new Map<number, [number, number]>()
  for (const [id, range] of pairs(cfg.servoLimits)) {
    const [min, max] = range.split('-').map(Number)
    if (!ids.includes(id)) throw new ConfigError('TONYPI_SERVO_LIMITS', `servo ${id} is not in TONYPI_SERVO_IDS`)
    if (!(min >= 0 && max <= 1000 && min < max)) throw new ConfigError('TONYPI_SERVO_LIMITS', `servo ${id}: ${range} is not a range within 0..1000`)
    limits.set(id, [min, max])
  }
  return ids.map((id) => ({ id, name: names.get(id) ?? `servo_${id}`, min: limits.get(id)?.[0] ?? 0, max: limits.get(id)?.[1] ?? 1000 }))
}
