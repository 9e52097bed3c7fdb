// The edge under systemd's watchdog (server/sd-notify.ts): READY=1 once it serves, a ping at half
// the watchdog interval while its health says the process works (samples arrive, the broker
// listens: what a restart can mend), the whole health in STATUS=, and STOPPING=1 on the way
// out. A store that refuses writes is reported but pings go on: a full card is not mended by a
// restart, and the robot keeps its live view and its e-stop meanwhile.
import { startWatchdog, type SystemdNotifier } from '../server/sd-notify.ts'
import { health } from './api/health.ts'
import type { EdgeContext } from './context.ts'

export function edgeWatchdogCheck(ctx: EdgeContext, now = Date.now()) {
  const h = health(ctx, now)
  const ok = h.checks.samples.ok && h.checks.broker.ok
  const status = h.failing.length
    ? `robot ${ctx.robotId}: failing: ${h.failing.map((k) => `${k} (${h.checks[k].detail ?? 'failing'})`).join(', ')}`
    : `robot ${ctx.robotId}: ok`
  return { ok, status }
}

export function superviseEdge(ctx: EdgeContext, n: SystemdNotifier, watchdogMs: number | null): { stop(): void } {
  n.notify({ READY: 1, STATUS: `robot ${ctx.robotId}: serving` })
  const dog = watchdogMs ? startWatchdog(n, watchdogMs, () => edgeWatchdogCheck(ctx)) : null
  return {
    stop() {
      dog?.stop()
      n.notify({ STOPPING: 1, STATUS: `robot ${ctx.robotId}: stopping` })
    },
  }
}
