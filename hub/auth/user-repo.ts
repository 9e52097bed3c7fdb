// Fleet users in PostgreSQL: the same accounts for the API and (as broker accounts) for
// Mosquitto. Passwords hashed with Bun.password; a changed password or role bumps the
// token version so older tokens stop working.
import { count, eq } from 'drizzle-orm'
import type { PublicUser, Role } from '../../core/schemas.ts'
import type { HubDb } from '../db/database.ts'
import { users } from '../db/schema.ts'
import { mosquittoHash } from '../mqtt/mosquitto-hash.ts'
import { ROBOT_ACCOUNT_PREFIX } from '../../core/robot-account.ts'
import { passwordMatches } from '../../core/password-check.ts'

export class HubUserError extends Error {
  constructor(readonly status: 404 | 409, message: string) {
    super(message)
  }
}

type Row = typeof users.$inferSelect
const toPublic = (r: Row): PublicUser => ({ id: r.id, username: r.username, role: r.role, email: r.email ?? null, created_at: r.createdAt.getTime() })


export class HubUserRepo {
  constructor(private readonly db: HubDb) {}

  async count(): Promise<number> {
    return (await this.db.select({ n: count() }).from(users))[0].n
  }

  async list(): Promise<PublicUser[]> {
    return (await this.db.select().from(users).orderBy(users.id)).map(toPublic)
  }

  async get(id: number): Promise<(PublicUser & { tokenVersion: number }) | null> {
    const r = (await this.db.select().from(users).where(eq(users.id, id)))[0]
    return r ? { ...toPublic(r), tokenVersion: r.tokenVersion } : null
  }

  async create(input: { username: string; password: string; role: Role; email?: string | null }): Promise<PublicUser> {
    if (input.username.startsWith(ROBOT_ACCOUNT_PREFIX)) throw new HubUserError(409, `user names starting with ${ROBOT_ACCOUNT_PREFIX} are robots' broker accounts`)
    const hash = await Bun.password.hash(input.password)
    const r = await this.db.insert(users).values({
      username: input.username, passwordHash: hash, mqttHash: mosquittoHash(input.password), role: input.role, email: input.email ?? null,
    })
      .onConflictDoNothing().returning()
    if (!r[0]) throw new HubUserError(409, `user ${input.username} already exists`)
    return toPublic(r[0])
  }

  async update(id: number, patch: { password?: string; role?: Role; email?: string | null }): Promise<PublicUser> {
    const cur = (await this.db.select().from(users).where(eq(users.id, id)))[0]
    if (!cur) throw new HubUserError(404, `no user ${id}`)
    if (patch.role && patch.role !== 'admin' && cur.role === 'admin' && (await this.adminCount()) <= 1) {
      throw new HubUserError(409, 'the last admin cannot be demoted')
    }
    const set: Partial<Row> = { updatedAt: new Date() }
    if (patch.password !== undefined) {
      set.passwordHash = await Bun.password.hash(patch.password)
      set.mqttHash = mosquittoHash(patch.password)
      set.tokenVersion = cur.tokenVersion + 1
    }
    if (patch.role !== undefined) { set.role = patch.role; set.tokenVersion = cur.tokenVersion + 1 }
    if (patch.email !== undefined) set.email = patch.email
    return toPublic((await this.db.update(users).set(set).where(eq(users.id, id)).returning())[0])
  }

  async delete(id: number) {
    const cur = (await this.db.select().from(users).where(eq(users.id, id)))[0]
    if (!cur) throw new HubUserError(404, `no user ${id}`)
    if (cur.role === 'admin' && (await this.adminCount()) <= 1) throw new HubUserError(409, 'the last admin cannot be deleted')
    await this.db.delete(users).where(eq(users.id, id))
  }

  private async adminCount(): Promise<number> {
    return (await this.db.select({ n: count() }).from(users).where(eq(users.role, 'admin')))[0].n
  }

  /** Broker accounts of every user, for Mosquitto's password file. */
  async brokerAccounts(): Promise<{ username: string; mqttHash: string; role: Role }[]> {
    const rows = await this.db.select({ username: users.username, mqttHash: users.mqttHash, role: users.role }).from(users)
    return rows.filter((r): r is { username: string; mqttHash: string; role: Role } => r.mqttHash !== null)
  }

  async verify(username: string, password: string): Promise<(PublicUser & { tokenVersion: number }) | null> {
    const r = (await this.db.select().from(users).where(eq(users.username, username)))[0]
    if (!(await passwordMatches(password, r?.passwordHash)) || !r) return null
    return { ...toPublic(r), tokenVersion: r.tokenVersion }
  }
}
