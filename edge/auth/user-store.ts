// Accounts of the robot's API and broker (the same accounts for both). Passwords are
// hashed with Bun.password (argon2id); a password or role change, or a revocation, bumps the
// token version so tokens issued before it stop working.
import { and, eq, sql } from 'drizzle-orm'
import type { PublicUser, Role } from '../../core/schemas.ts'
import { isCurrentHash, passwordMatches } from '../../server/password-check.ts'
import { AccountError, lastAdminRefusal, type AccountStore, type UserPatch } from '../../server/account-routes.ts'
import type { StoredUser } from '../../server/auth-plugin.ts'
import type { EdgeDb } from '../store/database.ts'
import { users } from '../store/schema.ts'
import { hashPassword } from '../../server/password-check.ts'

export { AccountError as UserError }

type Row = typeof users.$inferSelect

const toPublic = (r: Row): PublicUser => ({
  id: r.id,
  username: r.username,
  role: r.role,
  email: r.email ?? null,
  created_at: r.createdAt,
  is_active: r.isActive,
})

export class UserStore implements AccountStore {
  constructor(private readonly db: EdgeDb) {}

  count(): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(users).get()!.n
  }

  list(): PublicUser[] {
    return this.db.select().from(users).orderBy(users.id).all().map(toPublic)
  }

  get(id: number): PublicUser | null {
    const r = this.db.select().from(users).where(eq(users.id, id)).get()
    return r ? toPublic(r) : null
  }

  /** The account as stored now; null for a deactivated one, whose tokens and sessions are no more. */
  current(id: number): StoredUser | null {
    const r = this.db
      .select({ id: users.id, username: users.username, role: users.role, tokenVersion: users.tokenVersion, isActive: users.isActive })
      .from(users)
      .where(eq(users.id, id))
      .get()
    if (!r?.isActive) return null
    return { id: r.id, username: r.username, role: r.role, tokenVersion: r.tokenVersion }
  }

  tokenVersion(id: number): number | null {
    return this.current(id)?.tokenVersion ?? null
  }

  async create(input: { username: string; password: string; role: Role; email?: string | null }): Promise<PublicUser> {
    const hash = await hashPassword(input.password)
    const now = Date.now()
    const r = this.db
      .insert(users)
      .values({
        username: input.username,
        passwordHash: hash,
        role: input.role,
        email: input.email ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning()
      .get()
    if (!r) throw new AccountError(409, `user ${input.username} already exists`)
    return toPublic(r)
  }

  async update(id: number, patch: UserPatch): Promise<PublicUser> {
    // The slow hash first; then the check and the write in one synchronous transaction, so two
    // demotions at once cannot both see a second admin.
    const hash = patch.password !== undefined ? await hashPassword(patch.password) : undefined
    return this.db.transaction(
      (tx) => {
        const cur = tx.select().from(users).where(eq(users.id, id)).get()
        if (!cur) throw new AccountError(404, `no user ${id}`)
        const lastAdmin = cur.role === 'admin' && cur.isActive && this.adminCount(tx) <= 1
        const refused = lastAdminRefusal(lastAdmin, patch)
        if (refused) throw new AccountError(409, refused)
        const set: Partial<Row> = { updatedAt: Date.now() }
        if (hash !== undefined) {
          set.passwordHash = hash
          set.tokenVersion = cur.tokenVersion + 1
        }
        if (patch.role !== undefined && patch.role !== cur.role) {
          set.role = patch.role
          set.tokenVersion = cur.tokenVersion + 1
        }
        if (patch.email !== undefined) set.email = patch.email
        if (patch.is_active !== undefined && patch.is_active !== cur.isActive) {
          set.isActive = patch.is_active
          // Tokens issued before a deactivation stay dead after a reactivation.
          if (!patch.is_active) set.tokenVersion = cur.tokenVersion + 1
        }
        return toPublic(tx.update(users).set(set).where(eq(users.id, id)).returning().get()!)
      },
      { behavior: 'immediate' },
    )
  }

  delete(id: number) {
    this.db.transaction(
      (tx) => {
        const cur = tx.select().from(users).where(eq(users.id, id)).get()
        if (!cur) throw new AccountError(404, `no user ${id}`)
        if (cur.role === 'admin' && cur.isActive && this.adminCount(tx) <= 1) throw new AccountError(409, 'the last admin cannot be deleted')
        tx.delete(users).where(eq(users.id, id)).run()
      },
      { behavior: 'immediate' },
    )
  }

  revokeTokens(id: number) {
    const r = this.db
      .update(users)
      .set({ tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: Date.now() })
      .where(eq(users.id, id))
      .returning({ id: users.id })
      .get()
    if (!r) throw new AccountError(404, `no user ${id}`)
  }

  /** Active admins: a deactivated one cannot act as one. */
  private adminCount(db: Pick<EdgeDb, 'select'>): number {
    return db
      .select({ n: sql<number>`count(*)` })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.isActive, true)))
      .get()!.n
  }

  /** The user for these credentials, or null; takes about as long either way. */
  async verify(username: string, password: string): Promise<(PublicUser & { tokenVersion: number }) | null> {
    const r = this.db.select().from(users).where(eq(users.username, username)).get()
    if (!(await passwordMatches(password, r?.passwordHash)) || !r) return null
    // The hub's users come with the hub's hash, replaced at each sync: the hub makes theirs again.
    if (r.origin === 'local' && !isCurrentHash(r.passwordHash)) {
      this.db
        .update(users)
        .set({ passwordHash: await hashPassword(password) })
        .where(eq(users.id, r.id))
        .run()
    }
    return { ...toPublic(r), tokenVersion: r.tokenVersion }
  }
}
