// Runs the real edge (a child process, simulated robot, nominal rates) for a while with a
// live WebSocket client: sample-to-client latency percentiles, and the edge's RSS at the end.
import { percentile, startEdgeProcess } from './edge-process.ts'
import { rssBytes } from './proc-io.ts'
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
    const rss: number[] = []
    while (Date.now() - start < seconds * 1000) {
      await Bun.sleep(Math.min(10_000, seconds * 1000 - (Date.now() - start)))
      rss.push(rssBytes(edge.pid))
      onProgress(`soak ${Math.round((Date.now() - start) / 1000)}/${seconds} s, rss ${(rss[rss.length - 1] / 1e6).toFixed(1)} MB, ${messages} ws messages`)
    }
    ws.close()
    const sorted = latencies.sort((a, b) => a - b)
    return {
      seconds,
      rss_mb_end: rss[rss.length - 1] / 1e6,
      rss_mb_max: Math.max(...rss) / 1e6,
      ws_messages: messages,
      samples: sorted.length,
      latency_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
    }
  } finally {
    await edge.stop()
  }
}
