// Samples as InfluxDB line protocol, stamped with the robot's own sample time (never the hub's
// arrival time: LEGACY.md flaw 6).
//
// Escaping, as InfluxDB 1.6 parses it (checked against the real influxd in the tests):
//   - measurement: `,` and ` ` are escaped with a backslash;
//   - tag keys, tag values and field keys: `,`, `=` and ` `;
//   - string field values: `"` and `\`, inside double quotes.
// A backslash in a name is NOT an escape InfluxDB undoes: `a\\b` is stored with both
// backslashes, a name ending in `\` swallows the delimiter after it, and `\,` in the input would
// become ambiguous. No escaping can carry those names (or a newline, which ends the line) through
// both 1.x and 2.x intact, so a name with a backslash or a control character is refused: the
// sample is skipped and counted, never written under a mangled name.

import type { Sample, StreamName } from '../../core/streams.ts'

export const MEASUREMENTS = ['servos', 'sensors', 'imu', 'performance', 'battery', 'network'] as const
export type Measurement = (typeof MEASUREMENTS)[number]

/** The tag that tells apart the sources of a stream (a servo id, a sensor name). */
export const SOURCE_TAG: Partial<Record<StreamName, 'servo_id' | 'sensor'>> = { servos: 'servo_id', sensors: 'sensor' }

/** The performance stream's network counters live in their own measurement. */
export const NETWORK_FIELD_PREFIX = 'net_'

export type FieldValue = number | string | boolean

export interface LinePoint {
  measurement: string
  tags: Record<string, string | undefined>
  fields: Record<string, FieldValue>
  /** Epoch milliseconds (written with `precision=ms`). */
  ts: number
}

/** Why a point produced no line. */
export type SkipReason = 'no_fields' | 'bad_name' | 'bad_timestamp'

export class UnencodableNameError extends Error {
  constructor(
    readonly what: string,
    readonly value: string,
  ) {
    super(`${what} ${JSON.stringify(value)} cannot be written as line protocol (backslash or control character)`)
    this.name = 'UnencodableNameError'
  }
}

const UNENCODABLE = /[\\\u0000-\u001f\u007f]/

function checkName(what: string, s: string): void {
  if (s === '' || UNENCODABLE.test(s)) throw new UnencodableNameError(what, s)
}

// The same few names (measurements, field keys, robot and servo ids) come by thousands a second:
// each is checked and escaped once. Bounded, so hostile payloads cannot grow it without end.
const MEMO_MAX = 4096
const measurementMemo = new Map<string, string>()
const keyMemo = new Map<string, string>()

function memo(cache: Map<string, string>, s: string, make: () => string): string {
  const hit = cache.get(s)
  if (hit !== undefined) return hit
  const out = make()
  if (cache.size < MEMO_MAX) cache.set(s, out)
  return out
}

export function escapeMeasurement(s: string): string {
  return memo(measurementMemo, s, () => {
    checkName('measurement', s)
    return s.replace(/[, ]/g, (c) => `\\${c}`)
  })
}

/** Tag keys, tag values and field keys share one rule. */
export function escapeKey(s: string, what = 'key'): string {
  return memo(keyMemo, s, () => {
    checkName(what, s)
    return s.replace(/[,= ]/g, (c) => `\\${c}`)
  })
}

export const escapeTagValue = (s: string) => escapeKey(s, 'tag value')

export function escapeStringField(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

function formatField(v: FieldValue): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  return escapeStringField(v)
}

/**
 * One line, or why there is none. Numbers are written without the `i` suffix, so every numeric
 * field is a float: a servo position that happens to be whole must not fix the field's type to
 * integer and make every later fractional value a type conflict. NaN and Infinity are dropped.
 */
export function formatLine(p: LinePoint): { line: string } | { skip: SkipReason } {
  if (!Number.isFinite(p.ts)) return { skip: 'bad_timestamp' }
  try {
    let head = escapeMeasurement(p.measurement)
    // Sorted tags are what InfluxDB stores anyway; sending them sorted spares it the work.
    for (const k of Object.keys(p.tags).sort()) {
      const v = p.tags[k]
      // InfluxDB refuses an empty tag value; an absent tag is what an empty one means.
      if (v === undefined || v === '') continue
      head += `,${escapeKey(k, 'tag key')}=${escapeTagValue(v)}`
    }
    const fields: string[] = []
    for (const k in p.fields) {
      const v = formatField(p.fields[k])
      if (v !== null) fields.push(`${escapeKey(k, 'field key')}=${v}`)
    }
    if (fields.length === 0) return { skip: 'no_fields' }
    return { line: `${head} ${fields.join(',')} ${Math.round(p.ts)}` }
  } catch (err) {
    if (err instanceof UnencodableNameError) return { skip: 'bad_name' }
    throw err
  }
}

/** The points one sample becomes: one, or two for performance (its net_* fields split out). */
export function samplePoints(robotId: string, s: Sample): LinePoint[] {
  const tags: Record<string, string | undefined> = { robot_id: robotId }
  const sourceTag = SOURCE_TAG[s.stream]
  if (sourceTag) tags[sourceTag] = s.source
  if (s.stream !== 'performance') return [{ measurement: s.stream, tags, fields: s.values, ts: s.ts }]
  const perf: Record<string, number> = {}
  const net: Record<string, number> = {}
  let hasNet = false
  let hasPerf = false
  for (const k in s.values) {
    if (k.startsWith(NETWORK_FIELD_PREFIX)) {
      net[k] = s.values[k]
      hasNet = true
    } else {
      perf[k] = s.values[k]
      hasPerf = true
    }
  }
  const out: LinePoint[] = []
  if (hasPerf || !hasNet) out.push({ measurement: 'performance', tags, fields: perf, ts: s.ts })
  if (hasNet) out.push({ measurement: 'network', tags, fields: net, ts: s.ts })
  return out
}

export interface EncodedSamples {
  lines: string[]
  /** Points that produced no line, by reason. */
  skipped: Record<SkipReason, number>
  skippedTotal: number
}

/**
 * A robot's samples as lines: exactly what formatLine makes of samplePoints, built without the
 * intermediate points. A sync batch turns thousands of samples into lines a second, and nearly
 * all of a batch's lines share a handful of heads (measurement and tags), each escaped once here.
 */
export function encodeSamples(robotId: string, samples: readonly Sample[], opts: { halfMsLater?: boolean } = {}): EncodedSamples {
  // Written in nanoseconds (precision left to InfluxDB's default) when half a millisecond is added.
  const timeSuffix = opts.halfMsLater ? '500000' : ''
  const lines: string[] = []
  const skipped: Record<SkipReason, number> = { no_fields: 0, bad_name: 0, bad_timestamp: 0 }
  let skippedTotal = 0
  const skip = (why: SkipReason) => {
    skipped[why]++
    skippedTotal++
  }
  const heads = new Map<string, string | null>()
  const headOf = (measurement: string, sourceTag: string | undefined, source: string | undefined): string | null => {
    const k = `${measurement}\u0000${source ?? ''}`
    let h = heads.get(k)
    if (h === undefined) {
      const tags: Record<string, string | undefined> = { robot_id: robotId }
      if (sourceTag) tags[sourceTag] = source
      const r = formatLine({ measurement, tags, fields: { x: 0 }, ts: 0 })
      h = 'line' in r ? r.line.slice(0, r.line.lastIndexOf(' x=0 0')) : null
      heads.set(k, h)
    }
    return h
  }
  const emit = (measurement: string, sourceTag: string | undefined, s: Sample, fields: string): void => {
    const head = headOf(measurement, sourceTag, s.source)
    const bad = !Number.isFinite(s.ts) ? 'bad_timestamp' : head === null || fields === BAD ? 'bad_name' : fields === '' ? 'no_fields' : null
    if (bad) {
      skip(bad)
      return
    }
    lines.push(`${head} ${fields} ${Math.round(s.ts)}${timeSuffix}`)
  }
  for (const s of samples) {
    const sourceTag = SOURCE_TAG[s.stream]
    if (s.stream !== 'performance') {
      emit(s.stream, sourceTag, s, fieldsOf(s.values, null))
      continue
    }
    let hasPerf = false
    let hasNet = false
    for (const k in s.values) {
      if (k.startsWith(NETWORK_FIELD_PREFIX)) hasNet = true
      else hasPerf = true
    }
    if (hasPerf || !hasNet) emit('performance', sourceTag, s, fieldsOf(s.values, false))
    if (hasNet) emit('network', sourceTag, s, fieldsOf(s.values, true))
  }
  return { lines, skipped, skippedTotal }
}

const BAD = '\u0000bad'

/** `k=v,...` of the finite values (`net`: only the network counters, or only the others; null: all). */
function fieldsOf(values: Record<string, number>, net: boolean | null): string {
  let out = ''
  for (const k in values) {
    if (net !== null && k.startsWith(NETWORK_FIELD_PREFIX) !== net) continue
    const v = values[k]
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    let key: string
    try {
      key = escapeKey(k, 'field key')
    } catch (err) {
      if (err instanceof UnencodableNameError) return BAD
      throw err
    }
    out += out ? `,${key}=${v}` : `${key}=${v}`
  }
  return out
}
