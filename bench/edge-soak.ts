// Runs the real edge (a child process, simulated robot, nominal rates) for a while with a
// live WebSocket client: sample-to-client latency percentiles, and the edge's RSS once settled:
// the median of the last 40 % of the run (a single reading moves by megabytes with the
// collector's timing), its own memory (RssAnon) apart, and the highest reading.
import { percentile, startEdgeProcess } from './edge-process.ts'
import { residentBytes } from './proc-io.ts'
import { liveProtocols } from '../core/live/protocol.ts'

export async function benchEdgeSoak(seconds: number, onProgress: (s: string) => void = () => {}) {
  const edge = await startEdgeProcess()
  try {
    const { access_token } = await edge.login()
    const latencies: number[] = []
    let messages = 0
    const ws = new WebSocket(`ws://127.0.0.1:${edge.port}/api/v1/live`, liveProtocols(access_token))
    ws.onmessage = (e) => {
      const now = Date.now()
      const m = JSON.parse(String(e.data))
      messages++
      if (m.type === 'samples') for (const s of m.samples) latencies.push(now - s.ts)
    }
    const start = Date.now()
    const rss: { t: number; all: number; own: number }[] = []
    while (Date.now() - start < seconds * 1000) {
      await Bun.sleep(Math.min(5_000, seconds * 1000 - (Date.now() - start)))
      rss.push({ t: (Date.now() - start) / 1000, all: residentBytes(edge.pid, 'VmRSS') / 1e6, own: residentBytes(edge.pid, 'RssAnon') / 1e6 })
      onProgress(`soak ${Math.round((Date.now() - start) / 1000)}/${seconds} s, rss ${rss[rss.length - 1].all.toFixed(1)} MB, ${messages} ws messages`)
    }
    const settled = rss.filter((x) => x.t >= seconds * 0.6)
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    ws.close()
    const sorted = latencies.sort((a, b) => a - b)
    return {
      seconds,
      rss_mb_settled: median(settled.map((x) => x.all)),
      own_mb_settled: median(settled.map((x) => x.own)),
      rss_mb_max: Math.max(...rss.map((x) => x.all)),
      ws_messages: messages,
      samples: sorted.length,
      latency_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
    }
  } finally {
    await edge.stop()
  }
}
