// The health check checks things: the store can take its write lock and the last tick
// committed, the broker is listening, and samples are fresh. 503 names what failed.
import type { EdgeContext } from '../context.ts'

/** What health is judged from. */
export type HealthSource = Pick<EdgeContext, 'broker' | 'maxSampleAgeMs' | 'robotId' | 'startedAt' | 'state' | 'store'>

export interface HealthReport {
  status: 'ok' | 'failing'
  robot_id: string
  ts: number
  failing: string[]
  checks: Record<string, { ok: boolean; detail?: string }>
}

export function health(ctx: HealthSource, now: number): HealthReport {
  const checks: HealthReport['checks'] = {}
  const store = ctx.store.writable()
  checks.store = store.ok ? { ok: true } : { ok: false, detail: store.reason }
  checks.broker = ctx.broker.listening ? { ok: true } : { ok: false, detail: 'the MQTT broker is not listening' }
  const last = ctx.state.lastSampleTs
  const age = last === null ? null : now - last
  const grace = now - ctx.startedAt < 5_000
  checks.samples =
    age !== null && age <= ctx.maxSampleAgeMs
      ? { ok: true, detail: `last sample ${age} ms ago` }
      : grace
        ? { ok: true, detail: 'starting' }
        : { ok: false, detail: age === null ? 'no sample yet' : `last sample ${age} ms ago` }
  const failing = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([k]) => k)
  return { status: failing.length ? 'failing' : 'ok', robot_id: ctx.robotId, ts: now, failing, checks }
}
