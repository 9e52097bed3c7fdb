// Work that exactly one hub replica does at a time (fleet alert evaluation, log retention, the
// webhook outbox, robot presence), held through PostgreSQL advisory locks. Each replica keeps one
// database session of its own for its locks: PostgreSQL releases a session's advisory locks the
// moment the session ends, so when a replica dies (kill -9 closes its socket at once; a host that
// vanishes is noticed by the server's TCP keepalives) another replica's next attempt takes the
// lock over and starts the work. No table, no clock: the lock is the lease.
//
// A replica that loses its session (the server restarted, the network broke) has lost its locks
// with it, whether or not it could tell: it stops every duty at once, then competes again.
//
// The same session holds claims: a lock on one item (a webhook delivery in flight), so another
// replica can tell an item whose owner died from one that is being worked on.
import { SQL } from 'bun'
import type { Logger } from '../../core/log.ts'

/** What a duty returns when it starts: how to stop it. */
export interface Duty {
  stop(): Promise<void> | void
}

/** The first key of every lock the hub takes; the second is the hash of a name. */
export const LEASE_NAMESPACE = 0x7470_0001
export const CLAIM_NAMESPACE = 0x7470_0002

interface Lease {
  name: string
  start: () => Promise<Duty> | Duty
  duty: Duty | null
  starting: Promise<void> | null
}

export interface LeaseView {
  replica: string
  session: boolean
  leases: Record<string, boolean>
}

export class Leases {
  private readonly sql: SQL
  private readonly leases = new Map<string, Lease>()
  private readonly claims = new Set<string>()
  private backendPid: number | null = null
  private timer: ReturnType<typeof setInterval> | null = null
  private polling: Promise<void> | null = null
  private stopped = false
  private lostLogged = false

  constructor(
    url: string,
    private readonly opts: { replica: string; log: Logger; pollMs?: number },
  ) {
    // One connection that never idles out or retires: its end is the end of every lock on it.
    this.sql = new SQL(url, { max: 1, idleTimeout: 0, maxLifetime: 0, connectionTimeout: 10, onclose: () => void this.sessionLost('the lock session closed') })
  }

  get replica(): string {
    return this.opts.replica
  }

  /** Competes for `name` from now on; `start` runs each time this replica wins it. */
  hold(name: string, start: () => Promise<Duty> | Duty): void {
    if (this.leases.has(name)) throw new Error(`lease ${name} is held twice`)
    this.leases.set(name, { name, start, duty: null, starting: null })
  }

  holds(name: string): boolean {
    return this.leases.get(name)?.duty != null
  }

  view(): LeaseView {
    return {
      replica: this.opts.replica,
      session: this.backendPid !== null,
      leases: Object.fromEntries([...this.leases.values()].map((l) => [l.name, l.duty !== null])),
    }
  }

  /** Opens the session, takes what is free, and keeps competing every `pollMs`. */
  async start(): Promise<void> {
    await this.settle()
    this.timer = setInterval(() => {
      if (!this.polling) void this.settle()
    }, this.opts.pollMs ?? 1000)
  }

  /** One more attempt, after the one in progress: a lease free now is taken by the time this returns. */
  settle(): Promise<void> {
    const next = (this.polling ?? Promise.resolve()).then(() => this.poll())
    this.polling = next
    void next.finally(() => {
      if (this.polling === next) this.polling = null
    })
    return next
  }

  /** Claims one item; false when another replica's session holds it. Claims are released with the session. */
  async claim(key: string): Promise<boolean> {
    if (this.claims.has(key)) return true
    const [row] = await this.sql`select pg_try_advisory_lock(${CLAIM_NAMESPACE}::int, hashtext(${key})) as ok`
    if (!row.ok) return false
    this.claims.add(key)
    return true
  }

  isClaimed(key: string): boolean {
    return this.claims.has(key)
  }

  async release(key: string): Promise<void> {
    if (!this.claims.delete(key)) return
    await this.sql`select pg_advisory_unlock(${CLAIM_NAMESPACE}::int, hashtext(${key}))`.catch(() => undefined)
  }

  private async poll(): Promise<void> {
    if (this.stopped) return
    try {
      const [row] = await this.sql`select pg_backend_pid() as pid`
      const pid = Number(row.pid)
      // Another backend than the one that took the locks: the session was replaced under us.
      if (this.backendPid !== null && pid !== this.backendPid) await this.sessionLost('the lock session was replaced')
      if (this.backendPid === null && this.lostLogged) this.opts.log.info('lock session back', { replica: this.opts.replica })
      this.backendPid = pid
      this.lostLogged = false
      for (const l of this.leases.values()) {
        if (l.duty || l.starting || this.stopped) continue
        const [got] = await this.sql`select pg_try_advisory_lock(${LEASE_NAMESPACE}::int, hashtext(${l.name})) as ok`
        if (got.ok) await this.begin(l)
      }
    } catch (err) {
      await this.sessionLost(`the lock session failed: ${(err as Error).message}`)
    }
  }

  private async begin(l: Lease) {
    l.starting = (async () => {
      try {
        l.duty = await l.start()
        this.opts.log.info('took over', { lease: l.name, replica: this.opts.replica })
      } catch (err) {
        // Not ours after all: another replica may do better.
        this.opts.log.error('could not start a duty; giving it up', { lease: l.name, error: err as Error })
        await this.sql`select pg_advisory_unlock(${LEASE_NAMESPACE}::int, hashtext(${l.name}))`.catch(() => undefined)
      }
    })()
    await l.starting
    l.starting = null
  }

  private async sessionLost(why: string) {
    if (this.backendPid === null && !this.leases.size) return
    const had = [...this.leases.values()].filter((l) => l.duty).map((l) => l.name)
    this.backendPid = null
    this.claims.clear()
    if (!this.stopped && !this.lostLogged) {
      this.lostLogged = true
      this.opts.log.warn('lost the lock session: every duty stops until it is won again', { replica: this.opts.replica, reason: why, duties: had })
    }
    await this.stopDuties()
  }

  private async stopDuties() {
    await Promise.all(
      [...this.leases.values()].map(async (l) => {
        await l.starting
        const d = l.duty
        l.duty = null
        if (d)
          await Promise.resolve(d.stop()).catch((err: unknown) => this.opts.log.error('a duty did not stop cleanly', { lease: l.name, error: err as Error }))
      }),
    )
  }

  /** Stops every duty, then ends the session (which frees every lock at once). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    await this.polling
    await this.stopDuties()
    await this.sql.close().catch(() => undefined)
  }
}
