// Runs the real edge (a child process, simulated robot, nominal rates) for a while with a
// live WebSocket client: sample-to-client latency percentiles, and the edge's RSS at the end.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rssBytes } from './proc-io.ts'
import { EDGE_RUNTIME_ENV } from '../edge/runtime-env.ts'

const ROOT = join(import.meta.dir, '..')

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export async function benchEdgeSoak(seconds: number, onProgress: (s: string) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-soak-'))
  // Started as the systemd unit starts it (edge/runtime-env.ts); BENCH_BUN_ARGS adds flags to try.
  const child = Bun.spawn([process.execPath, ...(process.env.BENCH_BUN_ARGS ?? '').split(' ').filter(Boolean), 'edge/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, ...EDGE_RUNTIME_ENV, TONYPI_DATA_DIR: dir, TONYPI_HTTP_PORT: '0', TONYPI_MQTT_PORT: '0', TONYPI_HTTP_HOST: '127.0.0.1',
      TONYPI_MQTT_HOST: '127.0.0.1', TONYPI_ADMIN_PASSWORD: 'bench-password', TONYPI_ROBOT_ID: 'benchbot', TONYPI_LOG_LEVEL: 'warn',
    },
    stdout: 'pipe', stderr: 'pipe',
  })
  try {
    // The start-up banner on stderr names the port.
    const reader = child.stderr.getReader()
    let banner = ''
    let port = 0
    const deadline = Date.now() + 15_000
    while (!port && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      banner += new TextDecoder().decode(value)
      const m = /Dashboard:\s+http:\/\/[^:]+:(\d+)\//.exec(banner)
      if (m) port = Number(m[1])
    }
    if (!port) throw new Error(`the edge did not start:\n${banner}`)
    void (async () => { for (;;) { const r = await reader.read(); if (r.done) break } })()

    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-password' }),
    })
    const { access_token } = await login.json()
    const latencies: number[] = []
    let messages = 0
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live?token=${access_token}`)
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
      rss.push(rssBytes(child.pid))
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
    child.kill('SIGTERM')
    await child.exited
    rmSync(dir, { recursive: true, force: true })
  }
}
