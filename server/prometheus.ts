// The Prometheus text exposition format (version 0.0.4), written by hand: a handful of counters,
// gauges and one histogram do not need a client library. Families are declared with their help
// and type even when they have no series yet (a robot without a hardware bus still names the bus
// metrics), so a dashboard's queries always find their names.
import { readdirSync, readFileSync } from 'node:fs'

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Record<string, string | number>
export type MetricType = 'counter' | 'gauge' | 'histogram'

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
const escapeValue = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

function formatLabels(labels: Labels | undefined): string {
  if (!labels) return ''
  const parts = Object.entries(labels).map(([k, v]) => {
    if (!LABEL.test(k)) throw new Error(`metrics: bad label name ${JSON.stringify(k)}`)
    return `${k}="${escapeValue(String(v))}"`
  })
  return parts.length ? `{${parts.join(',')}}` : ''
}

/** One scrape's text, family by family. */
export class Exposition {
  private lines: string[] = []
  private names = new Set<string>()

  private family(name: string, type: MetricType, help: string) {
    if (!NAME.test(name)) throw new Error(`metrics: bad metric name ${JSON.stringify(name)}`)
    if (this.names.has(name)) throw new Error(`metrics: ${name} declared twice`)
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`metrics: counter ${name} must end in _total`)
    this.names.add(name)
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`)
  }

  counter(name: string, help: string, series: readonly (readonly [Labels | undefined, number])[]): this {
    this.family(name, 'counter', help)
    for (const [l, v] of series) this.lines.push(`${name}${formatLabels(l)} ${formatNumber(v)}`)
    return this
  }

  gauge(name: string, help: string, series: readonly (readonly [Labels | undefined, number])[]): this {
    this.family(name, 'gauge', help)
    for (const [l, v] of series) this.lines.push(`${name}${formatLabels(l)} ${formatNumber(v)}`)
    return this
  }

  histogram(name: string, help: string, h: Histogram): this {
    this.family(name, 'histogram', help)
    for (const s of h.series()) {
      let cumulative = 0
      s.counts.forEach((n, i) => {
        cumulative += n
        this.lines.push(`${name}_bucket${formatLabels({ ...s.labels, le: formatNumber(h.bounds[i]) })} ${cumulative}`)
      })
      this.lines.push(`${name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`)
      this.lines.push(`${name}_sum${formatLabels(s.labels)} ${formatNumber(s.sum)}`)
      this.lines.push(`${name}_count${formatLabels(s.labels)} ${s.count}`)
    }
    return this
  }

  text(): string {
    return this.lines.join('\n') + '\n'
  }
}

/** A histogram with fixed upper bounds, one series per label set. */
export class Histogram {
  private readonly byKey = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()

  constructor(readonly bounds: readonly number[]) {}

  observe(labels: Labels, value: number) {
    const key = JSON.stringify(labels)
    let s = this.byKey.get(key)
    if (!s) this.byKey.set(key, (s = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 }))
    const i = this.bounds.findIndex((b) => value <= b)
    if (i >= 0) s.counts[i]++
    s.sum += value
    s.count++
  }

  series() {
    return [...this.byKey.values()]
  }
}

/** The standard process metrics Prometheus' own clients export, from /proc. */
export function processMetrics(x: Exposition, startedAtMs: number) {
  const cpu = process.cpuUsage()
  let fds = 0
  try {
    fds = readdirSync('/proc/self/fd').length
  } catch {
    /* not Linux */
  }
  let written = 0
  try {
    written = Number(/^write_bytes:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0)
  } catch {
    /* not Linux */
  }
  const memory = process.memoryUsage()
  x.counter('process_cpu_seconds_total', 'User and system CPU time spent, seconds.', [[undefined, (cpu.user + cpu.system) / 1e6]])
    .gauge('process_resident_memory_bytes', 'Resident memory size, bytes.', [[undefined, memory.rss]])
    // Beside the RSS it tells a leak (the heap grows) from the allocator keeping freed pages (it does not).
    .gauge('tonypi_process_heap_bytes', 'JavaScript heap in use, bytes; garbage counts until the next collection.', [[undefined, memory.heapUsed]])
    // The part of it that JavaScript objects own outside the heap (buffers). Bun's allocator has no
    // usable figure of its own: bun:jsc's memoryUsage().currentCommit only ever rises.
    .gauge('tonypi_process_heap_external_bytes', 'Of the heap in use, memory JavaScript objects own outside it (buffers), bytes.', [
      [undefined, memory.external],
    ])
    .gauge('process_open_fds', 'Open file descriptors.', [[undefined, fds]])
    .gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, seconds.', [[undefined, Math.floor(startedAtMs / 1000)]])
    .counter('tonypi_process_storage_written_bytes_total', 'Bytes the process caused to be written to storage (/proc/self/io write_bytes).', [
      [undefined, written],
    ])
}
