// The real edge as a child process for a benchmark (simulated robot, nominal rates), started as
// the systemd unit starts it (edge/runtime-env.ts), on free loopback ports, with an admin.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EDGE_RUNTIME_ENV } from '../edge/runtime-env.ts'

const ROOT = join(import.meta.dir, '..')
export const BENCH_ADMIN_PASSWORD = 'bench-password'

export interface BenchEdge {
  pid: number
  port: number
  /** Its data directory (edge.db and the rest). */
  dir: string
  login(username?: string, password?: string): Promise<string>
  stop(): Promise<void>
}

export async function startBenchEdge(prefix: string, env: Record<string, string> = {}): Promise<BenchEdge> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`))
  // BENCH_BUN_ARGS adds flags to try.
  const child = Bun.spawn([process.execPath, ...(process.env.BENCH_BUN_ARGS ?? '').split(' ').filter(Boolean), 'edge/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, ...EDGE_RUNTIME_ENV, TONYPI_DATA_DIR: dir, TONYPI_HTTP_PORT: '0', TONYPI_MQTT_PORT: '0', TONYPI_HTTP_HOST: '127.0.0.1',
      TONYPI_MQTT_HOST: '127.0.0.1', TONYPI_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, TONYPI_ROBOT_ID: 'benchbot', TONYPI_LOG_LEVEL: 'error', ...env,
    },
    stdout: 'ignore', stderr: 'pipe',
  })
  const stop = async () => {
    child.kill('SIGTERM')
    await child.exited
    rmSync(dir, { recursive: true, force: true })
  }
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
    return {
      pid: child.pid, port, dir, stop,
      async login(username = 'admin', password = BENCH_ADMIN_PASSWORD) {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
        })
        if (r.status !== 200) throw new Error(`bench login ${username}: ${r.status}`)
        return (await r.json()).access_token
      },
    }
  } catch (err) {
    await stop()
    throw err
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
