// Fault injection into the simulated robot (admins only): a robot on real hardware answers
// 409, since nothing here may pretend a real servo is hot or a real robot has fallen.
import { Elysia, t } from 'elysia'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'
import { SIM_FAULT_KINDS, SimFaultError, type SimFaults } from '../sim-faults/sim-faults.ts'
import { HttpError } from './errors.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'driver' | 'log' | 'simFaults'>

export function simRoutes(ctx: Needs, auth: EdgeAuth) {
  const faults = (): SimFaults => {
    if (ctx.simFaults) return ctx.simFaults
    throw new HttpError(
      409,
      'conflict',
      `fault injection needs the simulated robot (TONYPI_PROFILE=sim); this edge drives real hardware (${ctx.driver.profile})`,
    )
  }
  const state = (f: SimFaults) => ({ active: f.list(), clock_offset_ms: f.clockOffsetMs, ...f.counters })

  return new Elysia()
    .use(auth)
    .get(
      '/sim/fault',
      () => {
        return { profile: ctx.driver.profile, available: ctx.simFaults !== null, ...(ctx.simFaults ? state(ctx.simFaults) : { active: [] }) }
      },
      { auth: 'viewer', detail: { summary: 'Faults active on the simulated robot' } },
    )

    .post(
      '/sim/fault',
      ({ principal, body }) => {
        const f = faults()
        try {
          const fault = f.inject(body)
          ctx.log.warn('simulated fault injected', { ...fault, by: principal.username })
          return { fault, ...state(f) }
        } catch (err) {
          if (err instanceof SimFaultError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'invalid_request', err.message)
          throw err
        }
      },
      {
        auth: 'admin',
        body: t.Object(
          {
            kind: t.Union(SIM_FAULT_KINDS.map((k) => t.Literal(k))),
            servo_id: t.Optional(t.Integer({ minimum: 0, maximum: 253, description: 'overheat and silent (default: the first servo)' })),
            direction: t.Optional(t.Union([t.Literal('front'), t.Literal('back')], { description: 'fall (default front)' })),
            offset_s: t.Optional(t.Number({ minimum: -10 * 365 * 86400, maximum: 10 * 365 * 86400, description: 'clock_jump (default +3600)' })),
          },
          { additionalProperties: false },
        ),
        detail: { summary: 'Inject a fault into the simulated robot (sim profile only)' },
      },
    )

    .delete(
      '/sim/fault',
      ({ principal }) => {
        const f = faults()
        const cleared = f.clear()
        ctx.log.info('simulated faults cleared', { kinds: cleared.map((c) => c.kind), by: principal.username })
        return { cleared, ...state(f) }
      },
      { auth: 'admin', detail: { summary: 'Clear every fault: the robot cools, answers, recharges and gets up' } },
    )
}
