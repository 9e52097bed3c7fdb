// The hub under systemd's watchdog (server/sd-notify.ts): READY=1 once it serves, a ping at half
// the watchdog interval while its event loop turns, its dependencies' health in STATUS=, and
// STOPPING=1 on the way out. A database or broker that is down is reported, not answered with
// restarts: the hub reconnects by itself when they come back.
import { startWatchdog, type SystemdNotifier } from '../server/sd-notify.ts'
import { hubHealth } from './api/health.ts'
import type { HubContext } from './context.ts'

export async function hubWatchdogCheck(ctx: HubContext) {
  const h = await hubHealth(ctx)
  const status = h.failing.length ? `failing: ${h.failing.map((k) => `${k} (${h.checks[k].detail ?? 'failing'})`).join(', ')}` : 'ok'
  return { ok: true, status }
}

export function superviseHub(ctx: HubContext, n: SystemdNotifier, watchdogMs: number | null): { stop(): void } {
  n.notify({ READY: 1, STATUS: 'serving' })
  const dog = watchdogMs ? startWatchdog(n, watchdogMs, () => hubWatchdogCheck(ctx)) : null
  return {
    stop() {
      dog?.stop()
      n.notify({ STOPPING: 1, STATUS: 'stopping' })
    },
  }
}
