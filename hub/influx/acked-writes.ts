// Writes whose caller must know they landed: a sync batch is acknowledged to its robot only
// after InfluxDB has every point. Lines from concurrent batches share requests (InfluxDB's own
// advice is 5,000 lines a request; many robots each sending a tick's worth would otherwise mean
// many small requests), a big batch is split across several, and each caller's promise settles
// when all of its lines are in, or fails with InfluxDB's reason (the robot then sends again:
// points are keyed by series and time, so a second write of the same point changes nothing).
import type { Logger } from '../../core/log.ts'
import { authorize, endpoint, influxErrorText, type InfluxAuth } from './auth.ts'

export class InfluxWriteError extends Error {
  /** `retry`: InfluxDB was unreachable, busy or failing (5xx, 429); otherwise it refused the lines. */
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message)
    this.name = 'InfluxWriteError'
  }
}

/** `ns`: InfluxDB's default, the same on 1.x and 2.x (`precision` left out). */
export type WritePrecision = 'ms' | 'ns'

interface Entry {
  lines: string[]
  precision: WritePrecision
  next: number
  pending: number
  settled: boolean
  resolve(): void
  reject(e: InfluxWriteError): void
}

export class InfluxAckedWrites {
  private readonly urls: Record<WritePrecision, URL>
  private readonly headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' }
  private queue: Entry[] = []
  private inFlight = 0
  readonly stats = { lines: 0, requests: 0, failures: 0 }

  constructor(private readonly opts: { url: string; db: string; log: Logger; batchLines?: number; maxInFlight?: number; timeoutMs?: number } & InfluxAuth) {
    const url = endpoint(opts.url, 'write')
    url.searchParams.set('db', opts.db)
    authorize(url, this.headers, opts)
    const ms = new URL(url)
    ms.searchParams.set('precision', 'ms')
    this.urls = { ms, ns: url }
  }

  write(lines: string[], precision: WritePrecision = 'ms'): Promise<void> {
    if (lines.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, precision, next: 0, pending: 0, settled: false, resolve, reject })
      this.pump()
    })
  }

  private pump() {
    const max = this.opts.maxInFlight ?? 2
    const per = this.opts.batchLines ?? 5000
    while (this.inFlight < max && this.queue.length) {
      const parts: { e: Entry; from: number; to: number }[] = []
      let n = 0
      const precision = this.queue[0].precision
      while (n < per && this.queue.length && this.queue[0].precision === precision) {
        const e = this.queue[0]
        const take = Math.min(per - n, e.lines.length - e.next)
        parts.push({ e, from: e.next, to: e.next + take })
        e.next += take
        e.pending++
        n += take
        if (e.next >= e.lines.length) this.queue.shift()
      }
      this.inFlight++
      void this.send(this.urls[precision], parts).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
  }

  private async send(url: URL, parts: { e: Entry; from: number; to: number }[]) {
    const text = parts.map((p) => p.e.lines.slice(p.from, p.to).join('\n')).join('\n') + '\n'
    let error: InfluxWriteError | null = null
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: this.headers,
        body: Bun.gzipSync(Buffer.from(text), { level: 1 }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      })
      const body = await res.text().catch(() => '')
      if (!res.ok)
        error = new InfluxWriteError(`InfluxDB answered ${res.status}: ${influxErrorText(body) || res.statusText}`, res.status >= 500 || res.status === 429)
    } catch (err) {
      error = new InfluxWriteError(`InfluxDB unreachable: ${(err as Error).message}`, true)
    }
    this.stats.requests++
    if (error) this.stats.failures++
    for (const p of parts) {
      const e = p.e
      e.pending--
      if (e.settled) continue
      if (error) {
        e.settled = true
        // The rest of this caller's lines need not go: it will send everything again.
        this.queue = this.queue.filter((q) => q !== e)
        e.reject(error)
      } else {
        this.stats.lines += p.to - p.from
        if (e.pending === 0 && e.next >= e.lines.length) {
          e.settled = true
          e.resolve()
        }
      }
    }
  }
}
