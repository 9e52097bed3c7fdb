// Robots of the fleet and their own credentials: one secret per robot, for the broker (and
// later the sync API), shown once when issued, stored only as hashes, rotated or revoked.
import { createHash, randomBytes } from 'node:crypto'
import { and, eq, isNull } from 'drizzle-orm'
import type { HashGate } from '../../server/hash-gate.ts'
import { hashPassword } from '../../server/password-check.ts'
import type { HubDb } from '../db/database.ts'
import { robots } from '../db/schema.ts'
import { mosquittoHash } from '../mqtt/mosquitto-hash.ts'
import { ROBOT_ACCOUNT_PREFIX, robotAccount } from '../../core/robot-account.ts'
import { applyDetails, type RobotDetails, type RobotDetailsPatch } from '../../core/robot-details.ts'

export class RobotError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message)
  }
}

export type RobotRow = typeof robots.$inferSelect

export interface RobotView extends RobotDetails {
  robot_id: string
  profile: string | null
  status: RobotRow['status']
  status_source: string | null
  last_seen: number | null
  created_at: number
  revoked: boolean
  legacy: boolean
  /** False for a robot admitted on the listener for unchanged earlier clients: anyone reaching that port can speak as it. */
  authenticated: boolean
  credential_username: string
  info: unknown
}

const NONE: ReadonlySet<string> = new Set()

/** `unauthenticated`: the robots admitted on the listener for unchanged earlier clients (hub/mqtt/legacy-listener.ts). */
export const robotView = (r: RobotRow, unauthenticated: ReadonlySet<string> = NONE): RobotView => ({
  robot_id: r.robotId,
  name: r.name,
  description: r.description,
  location: r.location,
  notes: r.notes,
  profile: r.profile,
  status: r.status,
  status_source: r.statusSource,
  last_seen: r.lastSeenAt?.getTime() ?? null,
  created_at: r.createdAt.getTime(),
  revoked: r.revokedAt !== null,
  legacy: r.legacy,
  authenticated: !unauthenticated.has(r.robotId),
  credential_username: r.credentialUsername,
  info: r.info,
})

function newCredential() {
  const token = randomBytes(24).toString('base64url')
  return { token, mqttHash: mosquittoHash(token) }
}

export class RobotRepo {
  /** Credentials checked already: (robot, token digest) -> the stored hash they matched. */
  private verified = new Map<string, string>()

  constructor(private readonly db: HubDb) {}

  async list(): Promise<RobotRow[]> {
    return this.db.select().from(robots).orderBy(robots.robotId)
  }

  async get(robotId: string): Promise<RobotRow | null> {
    return (await this.db.select().from(robots).where(eq(robots.robotId, robotId)))[0] ?? null
  }

  /** Registers a robot; the credential's token is in the result and nowhere else. */
  async create(input: { robotId: string; name?: string | null }): Promise<{ robot: RobotRow; credential: { username: string; token: string } }> {
    const { token, mqttHash } = newCredential()
    const username = robotAccount(input.robotId)
    const r = await this.db
      .insert(robots)
      .values({
        robotId: input.robotId,
        name: input.name ?? null,
        credentialUsername: username,
        credentialHash: await hashPassword(token),
        mqttHash,
        credentialRotatedAt: new Date(),
      })
      .onConflictDoNothing()
      .returning()
    if (!r[0]) throw new RobotError(409, `robot ${input.robotId} already exists`)
    return { robot: r[0], credential: { username, token } }
  }

  /** What people write about it (PUT robots/{id}); returns the row before and after. Throws RobotError 404. */
  async editDetails(robotId: string, patch: RobotDetailsPatch): Promise<{ before: RobotDetails; after: RobotRow }> {
    return this.db.transaction(async (tx) => {
      const [cur] = await tx.select().from(robots).where(eq(robots.robotId, robotId)).for('update')
      if (!cur) throw new RobotError(404, `no robot ${robotId}`)
      const before: RobotDetails = { name: cur.name, description: cur.description, location: cur.location, notes: cur.notes }
      const [after] = await tx
        .update(robots)
        .set({ ...applyDetails(before, patch), detailsEditedAt: new Date() })
        .where(eq(robots.robotId, robotId))
        .returning()
      return { before, after }
    })
  }

  async rotate(robotId: string): Promise<{ username: string; token: string }> {
    const { token, mqttHash } = newCredential()
    const r = await this.db
      .update(robots)
      .set({ credentialHash: await hashPassword(token), mqttHash, credentialRotatedAt: new Date(), revokedAt: null })
      .where(eq(robots.robotId, robotId))
      .returning()
    if (!r[0]) throw new RobotError(404, `no robot ${robotId}`)
    return { username: r[0].credentialUsername, token }
  }

  async revoke(robotId: string): Promise<void> {
    const r = await this.db.update(robots).set({ credentialHash: null, mqttHash: null, revokedAt: new Date() }).where(eq(robots.robotId, robotId)).returning()
    if (!r[0]) throw new RobotError(404, `no robot ${robotId}`)
  }

  async delete(robotId: string): Promise<void> {
    const r = await this.db.delete(robots).where(eq(robots.robotId, robotId)).returning()
    if (!r[0]) throw new RobotError(404, `no robot ${robotId}`)
  }

  /** Robots that may use the broker: registered and not revoked. */
  async brokerAccounts(): Promise<{ robotId: string; username: string; mqttHash: string }[]> {
    const rows = await this.db.select().from(robots).where(isNull(robots.revokedAt))
    return rows.filter((r) => r.mqttHash).map((r) => ({ robotId: r.robotId, username: r.credentialUsername, mqttHash: r.mqttHash! }))
  }

  /** `gate`: the process's ceiling on hash work, for a credential not checked before. */
  async verifyCredential(robotId: string, token: string, gate?: HashGate): Promise<boolean> {
    const r = (
      await this.db
        .select()
        .from(robots)
        .where(and(eq(robots.robotId, robotId), isNull(robots.revokedAt)))
    )[0]
    if (!r?.credentialHash) return false
    // A robot sends its credential with every sync request: one argon2 check per credential
    // as stored, remembered by a digest of the token. The row is read every time, so a
    // rotation or a revocation (here or on another hub replica) takes effect at once.
    const digest = createHash('sha256').update(token).digest('base64url')
    const key = `${robotId}\0${digest}`
    if (this.verified.get(key) === r.credentialHash) return true
    const hash = r.credentialHash
    const check = () => Bun.password.verify(token, hash)
    if (!(await (gate ? gate.run(check) : check()))) return false
    if (this.verified.size > 10_000) this.verified.clear()
    this.verified.set(key, r.credentialHash)
    return true
  }

  /** The robot a `robot-<id>` account and its token belong to, or null. */
  async robotForCredential(username: string, token: string, gate?: HashGate): Promise<string | null> {
    if (!username.startsWith(ROBOT_ACCOUNT_PREFIX) || token.length > 256) return null
    const robotId = username.slice(ROBOT_ACCOUNT_PREFIX.length)
    return (await this.verifyCredential(robotId, token, gate)) ? robotId : null
  }

  async setStatus(
    robotId: string,
    status: RobotRow['status'],
    source: string,
    at: Date,
    extra: { profile?: string; info?: Record<string, unknown>; legacy?: boolean } = {},
  ) {
    await this.db
      .update(robots)
      .set({
        status,
        statusSource: source,
        lastSeenAt: at,
        ...(extra.profile ? { profile: extra.profile } : {}),
        ...(extra.info ? { info: extra.info } : {}),
        ...(extra.legacy !== undefined ? { legacy: extra.legacy } : {}),
      })
      .where(eq(robots.robotId, robotId))
  }

  async touch(robotId: string, at: Date, legacy = false) {
    await this.db
      .update(robots)
      .set({ lastSeenAt: at, ...(legacy ? { legacy: true } : {}) })
      .where(eq(robots.robotId, robotId))
  }
}
