// The webhook's outbox as the hub's replicas share it: a delivery is claimed (hub/cluster/
// leases.ts) by the replica that hands it over and sends it, and released when it is done, so
// the replica that sweeps the outbox (the `webhook-outbox` lease) takes only deliveries whose
// replica died (its claims ended with its database session) and never sends one twice at once.
import type { OutboxEntry, WebhookOutbox } from '../alerts/webhook-outbox.ts'
import type { Leases } from './leases.ts'

const claimOf = (id: string) => `webhook:${id}`

export class ClaimedOutbox implements WebhookOutbox {
  constructor(
    private readonly inner: WebhookOutbox,
    private readonly leases: Leases,
  ) {}

  async add(e: OutboxEntry) {
    // Claimed before the row exists: a sweep can never see it unclaimed while this replica has it.
    await this.leases.claim(claimOf(e.id))
    await this.inner.add(e)
  }

  attempted(id: string, attempts: number, lastError: string) {
    return this.inner.attempted(id, attempts, lastError)
  }

  async remove(id: string) {
    await this.inner.remove(id)
    await this.leases.release(claimOf(id))
  }

  /** The deliveries nobody is sending: claimed for this replica as they are returned. */
  async pending(): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = []
    for (const e of await this.inner.pending()) {
      if (this.leases.isClaimed(claimOf(e.id))) continue
      if (await this.leases.claim(claimOf(e.id))) out.push(e)
    }
    return out
  }
}
