// The hub's health check checks each dependency for real and names the one that fails.
import type { HubContext } from '../context.ts'

/** What health is judged from. */
export type HubHealthSource = Pick<HubContext, 'bridge' | 'cluster' | 'db' | 'telemetry'>

export async function hubHealth(ctx: HubHealthSource) {
  const checks: Record<string, { ok: boolean; detail?: string }> = {}
  // `f` fails by throwing, or by answering false.
  const timed = async (name: string, f: () => Promise<unknown>, failDetail: string) => {
    try {
      const r = await Promise.race([
        f(),
        Bun.sleep(3000).then(() => {
          throw new Error('no answer within 3 s')
        }),
      ])
      checks[name] = r === false ? { ok: false, detail: failDetail } : { ok: true }
    } catch (err) {
      checks[name] = { ok: false, detail: (err as Error).message }
    }
  }
  await Promise.all([
    timed(
      'postgres',
      async () => {
        await ctx.db.$client`select 1`
      },
      'query failed',
    ),
    timed('influxdb', () => ctx.telemetry.ping(), 'ping failed'),
    timed('broker', async () => ctx.bridge.connected, 'not connected to the broker'),
    timed('ingest', async () => ctx.cluster.ingest.connected, "this replica's share of the broker's messages is not connected"),
  ])
  const failing = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([k]) => k)
  // Which replica answered, and which of the one-at-a-time duties it holds (README, "Growing past one hub host").
  const { leases, ingest, adoption } = ctx.cluster
  const cluster = { ...leases.view(), ingest: ingest.counters, adopted: adoption.counters }
  return { status: failing.length ? 'failing' : 'ok', ts: Date.now(), failing, checks, cluster }
}
