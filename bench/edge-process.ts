// The real edge as a child process for a benchmark, started as the systemd unit starts it
// (edge/runtime-env.ts) on a simulated robot with a temporary data directory and an admin: what
// the soak, e-stop, sync and dashboard benchmarks measure against.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EDGE_RUNTIME_ENV } from '../edge/runtime-env.ts'
import { seedEdgeHistory } from './nominal-load.ts'

const ROOT = join(import.meta.dir, '..')
export const BENCH_ADMIN_PASSWORD = 'bench-password'

export interface LoginAnswer {
  access_token: string
  expires_in: number
  user: Record<string, unknown>
}

export interface EdgeProcess {
  pid: number
  port: number
  base: string
  /** Its data directory (edge.db and the rest). */
  dir: string
  /** Logs in (the admin unless told otherwise) and returns the login's answer. */
  login(username?: string, password?: string): Promise<LoginAnswer>
  stop(): Promise<void>
}

/** `historySeconds`: that much nominal history already stored, as on a robot that has been running. */
export async function startEdgeProcess(opts: { env?: Record<string, string>; historySeconds?: number } = {}): Promise<EdgeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-edge-'))
  if (opts.historySeconds) seedEdgeHistory(dir, opts.historySeconds)
  // BENCH_BUN_ARGS adds flags to try.
  const child = Bun.spawn([process.execPath, ...(process.env.BENCH_BUN_ARGS ?? '').split(' ').filter(Boolean), 'edge/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...EDGE_RUNTIME_ENV,
      TONYPI_DATA_DIR: dir,
      TONYPI_HTTP_PORT: '0',
      TONYPI_MQTT_PORT: '0',
      TONYPI_HTTP_HOST: '127.0.0.1',
      TONYPI_MQTT_HOST: '127.0.0.1',
      TONYPI_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      TONYPI_ROBOT_ID: 'benchbot',
      TONYPI_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
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
    void (async () => {
      for (;;) {
        const r = await reader.read()
        if (r.done) break
      }
    })()
    const base = `http://127.0.0.1:${port}`
    return {
      pid: child.pid,
      port,
      base,
      dir,
      stop,
      async login(username = 'admin', password = BENCH_ADMIN_PASSWORD) {
        const r = await fetch(`${base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        })
        if (!r.ok) throw new Error(`bench login ${username} failed: ${r.status} ${await r.text()}`)
        return r.json() as Promise<LoginAnswer>
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
