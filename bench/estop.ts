// E-stop priority under attack (issue 11): the real edge in a child process, e-stops sent by an
// operator every 100 ms (with a resume between), alone and while another process floods the
// command route with the oversized unauthenticated bodies that blocked it (bench/estop-
// attacker.ts), in alternating rounds so that other load on the machine falls on both alike.
// Measured: each e-stop's answer time and the gaps between servo position sweeps (from the
// live feed, by their own timestamps). The budget: under attack, e-stops answer and sweeps come
// within one servo poll period (50 ms at 20 Hz) of how they do alone.
import { join } from 'node:path'
import { percentile, startBenchEdge } from './bench-edge.ts'

const POLL_PERIOD_MS = 50

interface Phase { latencies: number[]; gaps: number[] }

async function phase(port: number, token: string, seconds: number, into: Phase) {
  const { gaps, latencies } = into
  let last = 0
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live?token=${token}`)
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data))
    if (m.type !== 'samples') return
    const ts = m.samples.find((s: { stream: string; values: Record<string, number> }) => s.stream === 'servos' && 'position' in s.values)?.ts
    if (ts === undefined || ts === last) return
    if (last) gaps.push(ts - last)
    last = ts
  }
  await new Promise((r) => { ws.onopen = r })
  const post = (json: unknown) => fetch(`http://127.0.0.1:${port}/api/v1/command`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(json),
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
}

function summary(p: Phase) {
  const figures = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b)
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] }
  }
  return { estops: p.latencies.length, estop_ms: figures(p.latencies), sweep_gap_ms: figures(p.gaps) }
}

export async function benchEstopUnderAttack(rounds: number, seconds: number, log: (s: string) => void) {
  const edge = await startBenchEdge('estop')
  const alone: Phase = { latencies: [], gaps: [] }
  const attacked: Phase = { latencies: [], gaps: [] }
  const attack: Record<string, number> = {}
  try {
    const token = await edge.login()
    await Bun.sleep(1000) // the edge settles: first sweeps, JIT
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}: e-stops alone, then under attack, ${seconds} s each...`)
      await phase(edge.port, token, seconds, alone)
      const attacker = Bun.spawn([process.execPath, join(import.meta.dir, 'estop-attacker.ts'), String(edge.port), token], { stdout: 'pipe', stderr: 'inherit' })
      try {
        await Bun.sleep(500) // the attack under way
        await phase(edge.port, token, seconds, attacked)
        attacker.kill('SIGTERM')
        const counts = JSON.parse((await new Response(attacker.stdout).text()).trim() || '{}') as Record<string, number>
        for (const [k, n] of Object.entries(counts)) attack[k] = (attack[k] ?? 0) + n
      } finally {
        attacker.kill('SIGKILL')
        await attacker.exited
      }
    }
    return { alone: summary(alone), attacked: summary(attacked), attack, poll_period_ms: POLL_PERIOD_MS }
  } finally {
    await edge.stop()
  }
}
