// Which robots may be heard from: the registered ones, not revoked. Read from the database and
// kept for a few seconds, so a robot's every message is not a query; a robot this replica has
// not seen yet (registered a moment ago through another replica) is looked up at once, never
// dropped because this process's copy is older than the registration.
import type { RobotRow } from './robot-repo.ts'

/** How long an answer is kept: a revocation reaches every replica within this. */
const KEEP_MS = 5_000

export class RobotRegistry {
  private known = new Set<string>()
  private loadedAt = 0
  private loading: Promise<void> | null = null
  private readonly misses = new Map<string, { at: number; answer: Promise<boolean> }>()

  constructor(private readonly robots: { list(): Promise<RobotRow[]>; get(id: string): Promise<RobotRow | null> }) {}

  /** Reads the whole list again (after a registration, revocation or deletion here or elsewhere). */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const rows = await this.robots.list()
        this.known = new Set(rows.filter((r) => !r.revokedAt).map((r) => r.robotId))
        this.loadedAt = Date.now()
        this.misses.clear()
      } finally {
        this.loading = null
      }
    })()
    return this.loading
  }

  async isKnown(robotId: string): Promise<boolean> {
    const now = Date.now()
    if (now - this.loadedAt > KEEP_MS) await this.refresh().catch(() => undefined)
    if (this.known.has(robotId)) return true
    // Not in the list: asked once per robot per KEEP_MS, so a flood of one unknown id is one query.
    const miss = this.misses.get(robotId)
    if (miss && now - miss.at < KEEP_MS) return miss.answer
    const answer = this.robots.get(robotId).then(
      (r) => {
        const ok = r !== null && !r.revokedAt
        if (ok) this.known.add(robotId)
        return ok
      },
      () => false,
    )
    if (this.misses.size > 10_000) this.misses.clear()
    this.misses.set(robotId, { at: now, answer })
    return answer
  }
}
