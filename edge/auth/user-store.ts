// Accounts of the robot's API and broker (the same accounts for both). Passwords are
// hashed with Bun.password (argon2id); a password change bumps the token version so
// tokens issued before it stop working.
import { eq, sql } from 'drizzle-orm'
import type { PublicUser, Role } from '../../core/schemas.ts'
import type { EdgeDb } from '../store/database.ts'
import { users } from '../store/schema.ts'
import { passwordMatches } from '../../core/password-check.ts'

export class UserError extends Error {
  constructor(readonly status: 400 | 404 | 409, message: string) {
    super(message)
  }
}

type Row = typeof users.$inferSelect

const toPublic = (r: Row): PublicUser => ({ id: r.id, username: r.username, role: r.role, email: r.email ?? null, created_at: r.createdAt })

export class UserStore {
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

  tokenVersion(id: number): number | null {
    const r = this.db.select({ v: users.tokenVersion }).from(users).where(eq(users.id, id)).get()
    return r ? r.v : null
  }

  async create(input: { username: string; password: string; role: Role; email?: string | null }): Promise<PublicUser> {
    if (this.db.select({ id: users.id }).from(users).where(eq(users.username, input.username)).get()) {
      throw new UserError(409, `user ${input.username} already exists`)
    }
    const now = Date.now()
    const hash = await Bun.password.hash(input.password)
    const r = this.db.insert(users).values({
      username: input.username, passwordHash: hash, role: input.role, email: input.email ?? null, createdAt: now, updatedAt: now,
    }).returning().get()
    return toPublic(r)
  }

  async update(id: number, patch: { password?: string; role?: Role; email?: string | null }): Promise<PublicUser> {
    const cur = this.db.select().from(users).where(eq(users.id, id)).get()
    if (!cur) throw new UserError(404, `no user ${id}`)
    if (patch.role && patch.role !== 'admin' && cur.role === 'admin' && this.adminCount() <= 1) {
      throw new UserError(409, 'the last admin cannot be demoted')
    }
    const set: Partial<Row> = { updatedAt: Date.now() }
    if (patch.password !== undefined) {
      set.passwordHash = await Bun.password.hash(patch.password)
      set.tokenVersion = cur.tokenVersion + 1
    }
    if (patch.role !== undefined) { set.role = patch.role; set.tokenVersion = cur.tokenVersion + 1 }
    if (patch.email !== undefined) set.email = patch.email
    return toPublic(this.db.update(users).set(set).where(eq(users.id, id)).returning().get()!)
  }

  delete(id: number) {
    const cur = this.db.select().from(users).where(eq(users.id, id)).get()
    if (!cur) throw new UserError(404, `no user ${id}`)
    if (cur.role === 'admin' && this.adminCount() <= 1) throw new UserError(409, 'the last admin cannot be deleted')
    this.db.delete(users).where(eq(users.id, id)).run()
  }

  private adminCount(): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(users).where(eq(users.role, 'admin')).get()!.n
  }

  /** The user for these credentials, or null; takes about as long either way. */
  async verify(username: string, password: string): Promise<(PublicUser & { tokenVersion: number }) | null> {
    const r = this.db.select().from(users).where(eq(users.username, username)).get()
    if (!(await passwordMatches(password, r?.passwordHash)) || !r) return null
    return { ...toPublic(r), tokenVersion: r.tokenVersion }
  }
}
