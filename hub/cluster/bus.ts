// What one hub replica tells the others, over the fleet broker on a topic only the hub's own
// account may use: a person's sessions ended (each replica closes the live sockets it serves), the
// robots or the broker's accounts changed. An event is handled where it is raised at once, and by
// the other replicas when it arrives.
import type { Logger } from '../../core/log.ts'
import { CLUSTER_ROOT } from '../mqtt/bridge.ts'

export const CLUSTER_EVENTS_TOPIC = `${CLUSTER_ROOT}/events`

export type ClusterEvent = { type: 'sessions-ended'; uid: number } | { type: 'robots-changed' } | { type: 'accounts-changed' }

type Handler<E extends ClusterEvent['type']> = (e: Extract<ClusterEvent, { type: E }>) => void | Promise<void>

export class ClusterBus {
  private readonly handlers = new Map<string, ((e: ClusterEvent) => void | Promise<void>)[]>()

  constructor(private readonly deps: { replica: string; publish(topic: string, payload: string, opts: { qos: 1 }): Promise<void>; log: Logger }) {}

  on<E extends ClusterEvent['type']>(type: E, fn: Handler<E>) {
    const list = this.handlers.get(type) ?? []
    list.push(fn as (e: ClusterEvent) => void)
    this.handlers.set(type, list)
  }

  /** Handled here now, and sent to the other replicas (a replica cut off from the broker is told nothing: logged). */
  async emit(e: ClusterEvent): Promise<void> {
    await this.dispatch(e)
    await this.deps
      .publish(CLUSTER_EVENTS_TOPIC, JSON.stringify({ ...e, from: this.deps.replica }), { qos: 1 })
      .catch((err: unknown) => this.deps.log.warn('the other replicas were not told', { event: e.type, error: err as Error }))
  }

  receive(payload: Buffer) {
    let e: ClusterEvent & { from?: unknown }
    try {
      e = JSON.parse(payload.toString('utf8'))
    } catch {
      return
    }
    if (e.from === this.deps.replica) return
    void this.dispatch(e)
  }

  private async dispatch(e: ClusterEvent) {
    for (const fn of this.handlers.get(e.type) ?? []) {
      try {
        await fn(e)
      } catch (err) {
        this.deps.log.error('a cluster event handler failed', { event: e.type, error: err as Error })
      }
    }
  }
}
