// The only ways a value gets into an InfluxQL statement the hub sends: validated (robot ids,
// sensor names, epoch milliseconds as integers) and then written as an escaped literal. The
// earlier system pasted user text into its queries (LEGACY.md flaw 4); every builder in
// query.ts goes through these, so no user text reaches InfluxQL unescaped.
//
// InfluxQL's scanner reads `\\`, `\'`, `\"` and `\n` inside quoted strings and identifiers and
// refuses a raw newline or any other escape, so those are the escapes written here; anything
// else that is a control character is refused outright (nothing legitimate contains one).

/** A parameter the caller got wrong: the API answers 400 with this message. */
export class InvalidQueryInput extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`)
    this.name = 'InvalidQueryInput'
  }
}

export const ROBOT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
/** Sensor names (the source of the `sensors` stream), as strict as robot ids. */
export const SENSOR_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export function validRobotId(id: unknown, param = 'robot_id'): string {
  if (typeof id !== 'string' || !ROBOT_ID_PATTERN.test(id)) {
    throw new InvalidQueryInput(param, 'must be 1-64 letters, digits, _, . or -, starting with a letter or digit')
  }
  return id
}

export function validSensorName(s: unknown, param = 'source'): string {
  if (typeof s !== 'string' || !SENSOR_NAME_PATTERN.test(s)) {
    throw new InvalidQueryInput(param, 'must be 1-64 letters, digits, _, . or -, starting with a letter or digit')
  }
  return s
}

/** An integer within bounds; numeric strings (query parameters) are accepted, nothing fractional. */
export function validInteger(v: unknown, param: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim()) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidQueryInput(param, `must be an integer from ${min} to ${max}`)
  }
  return n
}

// Epoch ms from 1970 to year 2200: wide enough for any robot clock, narrow enough for InfluxDB.
const MAX_EPOCH_MS = 7_258_118_400_000

export const validEpochMs = (v: unknown, param: string) => validInteger(v, param, 0, MAX_EPOCH_MS)

const REFUSED_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/

function quote(s: string, q: "'" | '"', what: string): string {
  if (REFUSED_CONTROL.test(s)) throw new InvalidQueryInput(what, 'contains a control character')
  return q + s.replace(/[\\'"\n]/g, (c) => (c === '\n' ? '\\n' : c === q || c === '\\' ? `\\${c}` : c)) + q
}

/** `'...'` with `\` and `'` escaped: a value compared with a tag or a field. */
export const stringLiteral = (s: string) => quote(s, "'", 'string literal')

/** `"..."` with `\` and `"` escaped: a measurement, tag key, field key or alias. */
export const identifier = (s: string) => quote(s, '"', 'identifier')

/** Epoch milliseconds as an InfluxQL time literal (an integer with the `ms` unit). */
export function timeLiteral(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new InvalidQueryInput('time', 'must be an integer number of milliseconds')
  return `${ms}ms`
}

/**
 * Refuses anything but one SELECT or SHOW statement: the last line of defence, should a
 * builder ever let a `;` through outside a quoted string. Quoted strings and identifiers are
 * skipped with their escapes; a `;` anywhere else is a second statement.
 */
export function assertSingleReadStatement(q: string): void {
  if (!/^\s*(SELECT|SHOW)\s/i.test(q)) throw new InvalidQueryInput('query', 'only a SELECT or SHOW statement is sent')
  let quote: string | null = null
  for (let i = 0; i < q.length; i++) {
    const c = q[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
    } else if (c === "'" || c === '"') quote = c
    else if (c === ';' && q.slice(i + 1).trim() !== '') throw new InvalidQueryInput('query', 'one statement only')
  }
  if (quote) throw new InvalidQueryInput('query', 'unterminated quoted string')
}
