// Fleet users in PostgreSQL. Passwords hashed with Bun.password; a changed password or role,
// or a revocation, bumps the token version so older tokens stop working. Names that are the
// broker's own accounts (the hub's service account, robots' `robot-<id>`) are refused.
import { randomBytes } from 'node:crypto'
import { and, count, eq, sql } from 'drizzle-orm'
import type { PublicUser, Role } from '../../core/schemas.ts'
import { isCurrentHash, passwordMatches } from '../../server/password-check.ts'
import { AccountError, lastAdminRefusal, type AccountStore, type UserPatch } from '../../server/account-routes.ts'
import type { StoredUser } from '../../server/auth-plugin.ts'
import { ROBOT_ACCOUNT_PREFIX } from '../../core/robot-account.ts'
import type { HubDb } from '../db/database.ts'
import { users } from '../db/schema.ts'
import { mosquittoHash } from '../mqtt/mosquitto-hash.ts'
import { hashPassword } from '../../server/password-check.ts'

export { AccountError as HubUserError }

type Row = typeof users.$inferSelect
const toPublic = (r: Row): PublicUser => ({
  id: r.id,
  username: r.username,
  role: r.role,
  email: r.email ?? null,
  created_at: r.createdAt.getTime(),
  is_active: r.isActive,
})

export class HubUserRepo implements AccountStore {
  /** `reserved`: broker account names no person may take (the hub's own service account). */
  constructor(
    private readonly db: HubDb,
    private readonly reserved: readonly string[] = [],
  ) {}

  async count(): Promise<number> {
    return (await this.db.select({ n: count() }).from(users))[0].n
  }

  async list(): Promise<PublicUser[]> {
    return (await this.db.select().from(users).orderBy(users.id)).map(toPublic)
  }

  async get(id: number): Promise<PublicUser | null> {
    const r = (await this.db.select().from(users).where(eq(users.id, id)))[0]
    return r ? toPublic(r) : null
  }

  /** The account as stored now; null for a deactivated one, whose tokens and sessions are no more. */
  async current(id: number): Promise<StoredUser | null> {
    const r = (
      await this.db
        .select({ id: users.id, username: users.username, role: users.role, tokenVersion: users.tokenVersion, isActive: users.isActive })
        .from(users)
        .where(eq(users.id, id))
    )[0]
    if (!r?.isActive) return null
    return { id: r.id, username: r.username, role: r.role, tokenVersion: r.tokenVersion }
  }

  /** Why a person may not have this name, or null. */
  private refusedName(username: string): string | null {
    if (username.toLowerCase().startsWith(ROBOT_ACCOUNT_PREFIX)) return `user names starting with ${ROBOT_ACCOUNT_PREFIX} are robots' broker accounts`
    if (this.reserved.some((r) => r.toLowerCase() === username.toLowerCase())) return `${username} is the hub's own broker account`
    return null
  }

  async create(input: { username: string; password: string; role: Role; email?: string | null }): Promise<PublicUser> {
    const refused = this.refusedName(input.username)
    if (refused) throw new AccountError(409, refused)
    const hash = await hashPassword(input.password)
    const r = await this.db
      .insert(users)
      .values({ username: input.username, passwordHash: hash, role: input.role, email: input.email ?? null })
      .onConflictDoNothing()
      .returning()
    if (!r[0]) throw new AccountError(409, `user ${input.username} already exists`)
    return toPublic(r[0])
  }

  async update(id: number, patch: UserPatch): Promise<PublicUser> {
    const hash = patch.password !== undefined ? await hashPassword(patch.password) : undefined
    return this.db.transaction(async (tx) => {
      // The active admins' rows are locked first: a second demotion at the same time waits here
      // and then counts the admins as the first one left them, so the last admin always stays.
      const admins = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.isActive, true)))
        .for('update')
      const cur = (await tx.select().from(users).where(eq(users.id, id)).for('update'))[0]
      if (!cur) throw new AccountError(404, `no user ${id}`)
      const refused = lastAdminRefusal(cur.role === 'admin' && cur.isActive && admins.length <= 1, patch)
      if (refused) throw new AccountError(409, refused)
      const set: Partial<Row> = { updatedAt: new Date() }
      // A new password also ends the broker secret: whoever changed it may not be the only one who knew it.
      if (hash !== undefined) {
        set.passwordHash = hash
        set.tokenVersion = cur.tokenVersion + 1
        set.mqttHash = null
      }
      if (patch.role !== undefined && patch.role !== cur.role) {
        set.role = patch.role
        set.tokenVersion = cur.tokenVersion + 1
      }
      if (patch.email !== undefined) set.email = patch.email
      if (patch.is_active !== undefined && patch.is_active !== cur.isActive) {
        set.isActive = patch.is_active
        // Its tokens and broker secret end with it; a reactivation brings neither back.
        if (!patch.is_active) {
          set.tokenVersion = cur.tokenVersion + 1
          set.mqttHash = null
        }
      }
      return toPublic((await tx.update(users).set(set).where(eq(users.id, id)).returning())[0])
    })
  }

  async delete(id: number) {
    await this.db.transaction(async (tx) => {
      const admins = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.isActive, true)))
        .for('update')
      const cur = (await tx.select().from(users).where(eq(users.id, id)).for('update'))[0]
      if (!cur) throw new AccountError(404, `no user ${id}`)
      if (cur.role === 'admin' && cur.isActive && admins.length <= 1) throw new AccountError(409, 'the last admin cannot be deleted')
      await tx.delete(users).where(eq(users.id, id))
    })
  }

  async revokeTokens(id: number) {
    const r = await this.db
      .update(users)
      .set({ tokenVersion: sql`${users.tokenVersion} + 1`, mqttHash: null, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning({ id: users.id })
    if (!r[0]) throw new AccountError(404, `no user ${id}`)
  }

  /**
   * A new broker secret for a person (shown once): random, so guessing it at the broker is
   * hopeless, where a person's own password could be guessed (Mosquitto has no throttle).
   */
  async issueBrokerSecret(id: number): Promise<{ username: string; password: string }> {
    const password = randomBytes(24).toString('base64url')
    const r = await this.db
      .update(users)
      .set({ mqttHash: mosquittoHash(password), updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning({ username: users.username })
    if (!r[0]) throw new AccountError(404, `no user ${id}`)
    return { username: r[0].username, password }
  }

  /** Broker accounts of the people who took a broker secret, for Mosquitto's password file. */
  async brokerAccounts(): Promise<{ username: string; mqttHash: string; role: Role }[]> {
    const rows = await this.db.select({ username: users.username, mqttHash: users.mqttHash, role: users.role }).from(users).where(eq(users.isActive, true))
    return rows.filter((r): r is { username: string; mqttHash: string; role: Role } => r.mqttHash !== null && this.refusedName(r.username) === null)
  }

  async verify(username: string, password: string): Promise<(PublicUser & { tokenVersion: number }) | null> {
    const r = (await this.db.select().from(users).where(eq(users.username, username)))[0]
    if (!(await passwordMatches(password, r?.passwordHash)) || !r) return null
    // Made again at today's parameters; updatedAt moves so the new hash flows down to the robots.
    if (!isCurrentHash(r.passwordHash)) {
      await this.db
        .update(users)
        .set({ passwordHash: await hashPassword(password), updatedAt: new Date() })
        .where(eq(users.id, r.id))
    }
    return { ...toPublic(r), tokenVersion: r.tokenVersion }
  }
}
