// How long the API takes to answer, per route (the route's pattern, not the path a client sent,
// so an id does not make a series of its own), method and status. An Elysia plugin the edge's
// and the hub's API use before their routes.
import { Elysia, StatusMap } from 'elysia'
import { Histogram } from './prometheus.ts'

/** Seconds: from a cached read to a report's generation. */
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export class RequestMetrics {
  readonly histogram = new Histogram(BOUNDS)
  private readonly started = new WeakMap<Request, number>()

  plugin() {
    return new Elysia({ name: 'request-metrics' })
      .onRequest(({ request }) => {
        this.started.set(request, performance.now())
      })
      .onAfterResponse({ as: 'global' }, (ctx) => {
        const t0 = this.started.get(ctx.request)
        if (t0 === undefined) return
        const route = (ctx as { route?: string }).route ?? 'unmatched'
        const s = ctx.set.status
        const status = typeof s === 'number' ? s : ((StatusMap as Record<string, number>)[s ?? ''] ?? 200)
        this.histogram.observe({ method: ctx.request.method, route, status }, (performance.now() - t0) / 1000)
      })
  }
}
