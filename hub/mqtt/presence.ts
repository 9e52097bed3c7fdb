// Who is online: every replica hears every robot on its own (non-shared) subscription, so each
// knows, in memory, who is connected (commands go only to a connected robot; the alert rules ask).
// What is written about it (a robot's status, when it was last heard, the "went offline" log row)
// is written by one replica, the holder of the `presence` lease, so it is written once; a replica
// that takes the lease over first writes down what it sees that the table does not say.
import type { Logger } from '../../core/log.ts'
import type { RobotRepo, RobotRow } from '../robots/robot-repo.ts'

type Status = RobotRow['status']

export interface PresenceRecords {
  log(rec: { robotId: string; level: string; category: string; message: string; details?: unknown; ts: number }): Promise<void>
}

export class Presence {
  private readonly lastSeen = new Map<string, number>()
  private readonly online = new Set<string>()
  private readonly writes = new Map<string, Promise<void>>()
  private writing = false
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(private readonly deps: { robots: RobotRepo; records: PresenceRecords; offlineAfterMs: number; log: Logger }) {}

  /** Robots the table calls online (the hub stopped while they were) are on the clock from now. */
  async start() {
    const now = Date.now()
    for (const r of await this.deps.robots.list()) {
      if (r.revokedAt || (r.status !== 'online' && r.status !== 'emergency_stopped') || this.lastSeen.has(r.robotId)) continue
      this.online.add(r.robotId)
      this.lastSeen.set(r.robotId, now)
    }
    this.timer = setInterval(() => void this.checkOffline(), 1000)
  }

  stop() {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  isOnline(robotId: string): boolean {
    return this.online.has(robotId)
  }

  /** The `presence` lease: this replica writes from now on, starting with what the table has wrong. */
  async lead(): Promise<{ stop(): void }> {
    this.writing = true
    const now = Date.now()
    for (const r of await this.deps.robots.list()) {
      if (r.revokedAt) continue
      const tableOnline = r.status === 'online' || r.status === 'emergency_stopped'
      if (this.online.has(r.robotId) && !tableOnline)
        await this.write(r.robotId, 'online', 'heard by the replica that took over', new Date(this.lastSeen.get(r.robotId) ?? now))
      // Known offline here (a retained offline status, a last will, silence) while the table still says online.
      if (!this.online.has(r.robotId) && tableOnline)
        await this.write(r.robotId, 'offline', 'offline when this replica took over', r.lastSeenAt ?? new Date(now))
    }
    return {
      stop: () => {
        this.writing = false
      },
    }
  }

  /** Any message from the robot (`legacy`: in the earlier layout). */
  seen(robotId: string, legacy = false) {
    const now = Date.now()
    const first = !this.lastSeen.has(robotId)
    this.lastSeen.set(robotId, now)
    if (!this.online.has(robotId)) {
      this.online.add(robotId)
      void this.write(robotId, 'online', first ? 'first message' : 'messages again', new Date(now), legacy ? { legacy } : {})
    } else if (legacy && first && this.writing) {
      void this.deps.robots.touch(robotId, new Date(now), true).catch(() => undefined)
    }
  }

  /** A status message: online, emergency_stopped or offline (a clean stop or a last will). */
  status(robotId: string, status: Status, source: string, at: Date, extra: { profile?: string; info?: Record<string, unknown>; legacy?: boolean } = {}) {
    if (status === 'offline') {
      this.online.delete(robotId)
      this.lastSeen.delete(robotId)
    } else {
      this.online.add(robotId)
      this.lastSeen.set(robotId, Date.now())
    }
    return this.write(robotId, status, source, at, extra)
  }

  /**
   * One robot's writes go in the order they were decided: two in flight on different pooled
   * connections could commit the other way round, and an e-stop would read as online.
   */
  private write(
    robotId: string,
    status: Status,
    source: string,
    at: Date,
    extra: { profile?: string; info?: Record<string, unknown>; legacy?: boolean } = {},
  ): Promise<void> {
    if (!this.writing) return Promise.resolve()
    const next = (this.writes.get(robotId) ?? Promise.resolve())
      .then(() => this.deps.robots.setStatus(robotId, status, source, at, extra))
      .then(
        () => undefined,
        (err: unknown) => this.deps.log.warn('robot status not written', { robot_id: robotId, status, error: err as Error }),
      )
    this.writes.set(robotId, next)
    void next.then(() => {
      if (this.writes.get(robotId) === next) this.writes.delete(robotId)
    })
    return next
  }

  private async checkOffline() {
    const now = Date.now()
    for (const [id, at] of this.lastSeen) {
      if (!this.online.has(id) || now - at <= this.deps.offlineAfterMs) continue
      this.online.delete(id)
      if (!this.writing) continue
      const silent = Math.round((now - at) / 1000)
      await this.write(id, 'offline', `silent for ${silent} s`, new Date(at))
      await this.deps.records
        .log({ robotId: id, level: 'warn', category: 'robot', message: `robot ${id} went offline (no message for ${silent} s)`, ts: now })
        .catch(() => undefined)
    }
  }
}
