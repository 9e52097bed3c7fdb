// The parts of a service that start and stop (a broker, a poller, a timer, the HTTP server), and
// the one loop each of the edge and the hub runs them with: started in the order declared, stopped
// in the reverse, so what a part needs is always running while the part runs.
import type { Logger } from '../core/log.ts'

/** One part with a lifecycle. Either half may be missing: a part that is ready once built has no `start`. */
export interface Service {
  readonly name: string
  start?(): Promise<void> | void
  stop?(): Promise<void> | void
}

/** A part did not start; `cause` is what it threw. The parts started before it are stopped again. */
export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    override readonly cause: unknown,
  ) {
    super(`${service}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'ServiceStartError'
  }
}

/** Parts that did not stop cleanly; every other part was still stopped. */
export class ServiceStopError extends AggregateError {
  constructor(
    readonly services: string[],
    errors: unknown[],
  ) {
    super(errors, `did not stop cleanly: ${services.join(', ')}`)
    this.name = 'ServiceStopError'
  }
}

/**
 * Starts each part in order and returns the parts started (`started`, when given, is what earlier
 * calls started: a start that fails stops those too). On a failure the parts started so far are
 * stopped in reverse and a `ServiceStartError` naming the part is thrown.
 */
export async function startInOrder(services: readonly Service[], log: Logger, started: Service[] = []): Promise<Service[]> {
  for (const service of services) {
    try {
      await service.start?.()
    } catch (err) {
      log.error('cannot start; stopping what was started', { service: service.name, error: err as Error })
      await stopInReverse(started, log).catch(() => undefined) // each failure is logged there
      throw new ServiceStartError(service.name, err)
    }
    started.push(service)
  }
  return started
}

/** Stops every part, last started first, each even if one before it failed; throws once all are stopped if any failed. */
export async function stopInReverse(services: readonly Service[], log: Logger): Promise<void> {
  const failed: string[] = []
  const errors: unknown[] = []
  for (const service of [...services].reverse()) {
    try {
      await service.stop?.()
    } catch (err) {
      log.error('stop failed; stopping the others', { service: service.name, error: err as Error })
      failed.push(service.name)
      errors.push(err)
    }
  }
  if (failed.length) throw new ServiceStopError(failed, errors)
}

/** Undoes `arm` at stop: a timer set when the part starts. */
export function timerService(name: string, arm: () => ReturnType<typeof setTimeout>): Service {
  let timer: ReturnType<typeof setTimeout> | null = null
  return {
    name,
    start: () => {
      timer = arm()
    },
    stop: () => {
      if (timer) clearTimeout(timer)
      timer = null
    },
  }
}
