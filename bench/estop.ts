// E-stop priority under attack (issue 11): the real edge in a child process, e-stops sent by an
// operator every 100 ms (with a resume between), alone and while another process floods the
// command route with the oversized unauthenticated bodies that blocked it (bench/estop-
// attacker.ts), in alternating rounds so that other load on the machine falls on both alike.
// Measured: each e-stop's answer time and the gaps between servo position sweeps (from the
// live feed, by their own timestamps), and the edge's own CPU time. The attacker runs on the same
// (two-core) machine and takes a core of its own, so part of any slowdown is that contention,
// which an attacker on the LAN would not cause. Budgets: an e-stop is never later than one store
// tick (TONYPI_TICK_MS, 1 s: the "one tick") beyond the slowest without the flood, and
// sweeps keep their period (p99 within one 50 ms poll period of the same without the flood).
import { liveProtocols } from '../core/live/protocol.ts'
import { join } from 'node:path'
import { percentile, startEdgeProcess } from './edge-process.ts'
import { cpuMs } from './proc-io.ts'

const POLL_PERIOD_MS = 50
/** TONYPI_TICK_MS's default: the store's commit interval, the project's "tick". */
const STORE_TICK_MS = 1000

interface Phase {
  latencies: number[]
  gaps: number[]
  cpuMs: number
  wallMs: number
}

async function phase(edge: { port: number; pid: number }, token: string, seconds: number, into: Phase) {
  const { gaps, latencies } = into
  const port = edge.port
  const cpu0 = cpuMs(edge.pid)
  const wall0 = performance.now()
  let last = 0
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, liveProtocols(token))
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data))
    if (m.type !== 'samples') return
    const ts = m.samples.find((s: { stream: string; values: Record<string, number> }) => s.stream === 'servos' && 'position' in s.values)?.ts
    if (ts === undefined || ts === last) return
    if (last) gaps.push(ts - last)
    last = ts
  }
  await new Promise((r) => {
    ws.onopen = r
  })
  const post = (json: unknown) =>
    fetch(`http://127.0.0.1:${port}/api/v1/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(json),
    })
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    const t0 = performance.now()
    const r = await post({ type: 'estop', reason: 'bench' })
    latencies.push(performance.now() - t0)
    if (r.status !== 202) throw new Error(`e-stop answered ${r.status}`)
    await r.arrayBuffer()
    await (await post({ type: 'resume' })).arrayBuffer()
    await Bun.sleep(100)
  }
  ws.close()
  into.cpuMs += cpuMs(edge.pid) - cpu0
  into.wallMs += performance.now() - wall0
}

function summary(p: Phase) {
  const figures = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b)
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] }
  }
  return { estops: p.latencies.length, estop_ms: figures(p.latencies), sweep_gap_ms: figures(p.gaps), edge_cpu_percent: Math.round((100 * p.cpuMs) / p.wallMs) }
}

export async function benchEstopUnderAttack(rounds: number, seconds: number, log: (s: string) => void) {
  const edge = await startEdgeProcess()
  const alone: Phase = { latencies: [], gaps: [], cpuMs: 0, wallMs: 0 }
  const attacked: Phase = { latencies: [], gaps: [], cpuMs: 0, wallMs: 0 }
  const attack: Record<string, number> = {}
  try {
    const token = (await edge.login()).access_token
    await Bun.sleep(1000) // the edge settles: first sweeps, JIT
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}: e-stops alone, then under attack, ${seconds} s each...`)
      await phase(edge, token, seconds, alone)
      const attacker = Bun.spawn([process.execPath, join(import.meta.dir, 'estop-attacker.ts'), String(edge.port), token], {
        stdout: 'pipe',
        stderr: 'inherit',
      })
      try {
        await Bun.sleep(500) // the attack under way
        await phase(edge, token, seconds, attacked)
        attacker.kill('SIGTERM')
        const counts = JSON.parse((await new Response(attacker.stdout).text()).trim() || '{}') as Record<string, number>
        for (const [k, n] of Object.entries(counts)) attack[k] = (attack[k] ?? 0) + n
      } finally {
        attacker.kill('SIGKILL')
        await attacker.exited
      }
    }
    return { alone: summary(alone), attacked: summary(attacked), attack, poll_period_ms: POLL_PERIOD_MS, tick_ms: STORE_TICK_MS }
  } finally {
    await edge.stop()
  }
}
