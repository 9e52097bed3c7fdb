// When a replica dies, its ingest session stays at the broker with whatever it had been handed and
// not acknowledged, and the broker keeps queueing that session's share of new messages until the
// session is resumed. Every replica watches the others' ingest sessions (each announces its own,
// retained, with a last will that says it is gone); a session whose connection is gone and whose
// replica's claim is free (its database session ended with it) is adopted by the first replica to
// claim it: its messages are stored, then the session is ended, so the broker shares the load
// among the living again.
import type { Logger } from '../../core/log.ts'
import type { Leases } from '../cluster/leases.ts'
import { IngestSession, type BrokerAccess, type IngestHandler } from './ingest-session.ts'

/** Where each replica's ingest session says whether it is alive (retained). */
export const INGEST_PRESENCE_PREFIX = 'tonypi-hub/ingest/'
export const ingestPresenceTopic = (clientId: string) => `${INGEST_PRESENCE_PREFIX}${clientId}`
export const ingestClaim = (clientId: string) => `ingest:${clientId}`

export class SessionAdoption {
  private readonly sessions = new Map<string, boolean>()
  private readonly adopting = new Set<string>()
  private timer: ReturnType<typeof setInterval> | null = null
  private checking: Promise<void> | null = null
  readonly counters = { adopted_sessions: 0, adopted_messages: 0 }

  constructor(private readonly deps: { own: string; leases: Leases; broker: BrokerAccess; handle: IngestHandler; log: Logger; everyMs?: number }) {}

  start() {
    this.timer = setInterval(() => this.check(), this.deps.everyMs ?? 2000)
  }

  stop() {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** A retained announcement on `tonypi-hub/ingest/<client id>` (empty: the session was ended). */
  onPresence(topic: string, payload: Buffer) {
    const clientId = topic.slice(INGEST_PRESENCE_PREFIX.length)
    if (!clientId || clientId === this.deps.own) return
    if (payload.length === 0) {
      this.sessions.delete(clientId)
      return
    }
    try {
      const p = JSON.parse(payload.toString('utf8')) as { alive?: unknown }
      this.sessions.set(clientId, p.alive === true)
    } catch {
      return
    }
    this.check()
  }

  /** Waits for the adoptions in progress (tests). */
  async settle() {
    while (this.checking || this.adopting.size) await (this.checking ?? Bun.sleep(50))
  }

  private check() {
    this.checking ??= this.adoptOrphans().finally(() => {
      this.checking = null
    })
  }

  private async adoptOrphans() {
    for (const [clientId, alive] of this.sessions) {
      if (alive || this.adopting.has(clientId)) continue
      if (!(await this.deps.leases.claim(ingestClaim(clientId)).catch(() => false))) continue
      this.adopting.add(clientId)
      void this.adopt(clientId).finally(() => this.adopting.delete(clientId))
    }
  }

  private async adopt(clientId: string) {
    const started = Date.now()
    this.deps.log.warn('adopting the ingest session of a replica that is gone', { session: clientId })
    const session = new IngestSession({
      broker: this.deps.broker,
      clientId,
      handle: this.deps.handle,
      log: this.deps.log,
      presenceTopic: ingestPresenceTopic(clientId),
    })
    try {
      const n = await session.adopt()
      this.sessions.delete(clientId)
      this.counters.adopted_sessions++
      this.counters.adopted_messages += n
      this.deps.log.info('adopted ingest session stored and ended', {
        session: clientId,
        messages: n,
        resent: session.counters.resent,
        ms: Date.now() - started,
      })
    } catch (err) {
      this.deps.log.error('adopting an ingest session failed; trying again', { session: clientId, error: err as Error })
    } finally {
      await this.deps.leases.release(ingestClaim(clientId))
    }
  }
}
