// Grafana's expansion of the macros and variables our panel queries use, so that a test (Grafana
// cannot run here) sends InfluxDB and PostgreSQL exactly the text Grafana would send:
//   InfluxQL: $timeFilter, $__interval, $__interval_ms, $var / ${var} / [[var]]
//   SQL:      $__time(c), $__timeEpoch(c), $__timeFilter(c), $__timeFrom(), $__timeTo(),
//             $__timeGroup(c, i), $__timeGroupAlias(c, i), $__unixEpochFilter(c), and the above.
// Anything left starting with `$` is an error: a macro Grafana would expand but this does not
// would otherwise make a test run a query Grafana never sends.

export interface GrafanaQueryContext {
  from: number
  to: number
  /** `$__interval` in milliseconds. */
  intervalMs: number
  /** Template variables, by name, with their (single) current value. */
  vars?: Record<string, string>
}

/** Grafana's interval text: 500ms, 10s, 1m, 1h, 1d. */
export function intervalText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/** Grafana's `$__interval` for a time range: range / max data points, rounded up to a round step. */
export function grafanaIntervalMs(rangeMs: number, maxDataPoints = 1000): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000)
  const raw = rangeMs / maxDataPoints
  return steps.find((s) => s >= raw) ?? steps[steps.length - 1]
}

function intervalMsOf(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) throw new Error(`not an interval: ${text}`)
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
}

function variables(q: string, ctx: GrafanaQueryContext): string {
  const value = (name: string) => {
    if (name === '__interval') return intervalText(ctx.intervalMs)
    if (name === '__interval_ms') return String(ctx.intervalMs)
    const v = ctx.vars?.[name]
    if (v === undefined) throw new Error(`no value for the variable $${name}`)
    return v
  }
  return q
    .replace(/\$\{(\w+)\}/g, (_, n: string) => value(n))
    .replace(/\[\[(\w+)\]\]/g, (_, n: string) => value(n))
    .replace(/\$(__interval_ms|__interval|(?!__)\w+)\b/g, (_, n: string) => value(n))
}

function noneLeft(q: string): string {
  const left = /\$\w+/.exec(q)
  if (left) throw new Error(`unexpanded ${left[0]} in: ${q}`)
  return q
}

export function expandInfluxQL(q: string, ctx: GrafanaQueryContext): string {
  const filter = `time >= ${Math.floor(ctx.from)}ms and time <= ${Math.floor(ctx.to)}ms`
  return noneLeft(variables(q.replaceAll('$timeFilter', filter), ctx))
}

const iso = (ms: number) => `'${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`

export function expandSql(q: string, ctx: GrafanaQueryContext): string {
  // Variables first, as Grafana does: `$__timeGroup(c, $__interval)` then sees a plain interval.
  let out = variables(q, ctx)
  const args = (s: string) => s.split(',').map((a) => a.trim())
  out = out.replace(/\$__(\w+)\(([^()]*)\)/g, (whole, macro: string, argText: string) => {
    const [col, interval] = args(argText)
    const group = () => {
      const s = intervalMsOf(interval) / 1000
      return `floor(extract(epoch from ${col})/${s})*${s}`
    }
    switch (macro) {
      case 'time':
        return `${col} AS "time"`
      case 'timeEpoch':
        return `extract(epoch from ${col}) AS "time"`
      case 'timeFilter':
        return `${col} BETWEEN ${iso(ctx.from)} AND ${iso(ctx.to)}`
      case 'timeFrom':
        return iso(ctx.from)
      case 'timeTo':
        return iso(ctx.to)
      case 'timeGroup':
        return group()
      case 'timeGroupAlias':
        return `${group()} AS "time"`
      case 'unixEpochFilter':
        return `${col} >= ${Math.floor(ctx.from / 1000)} AND ${col} <= ${Math.floor(ctx.to / 1000)}`
      default:
        throw new Error(`unknown macro ${whole}`)
    }
  })
  return noneLeft(out)
}
