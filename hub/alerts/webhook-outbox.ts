// Where alert webhook deliveries wait until the receiver has answered for them (see the
// webhook_outbox table): the webhook works from memory and writes here only at the points that
// must survive a restart (handed over, each failed attempt, done). A delivery is handed over in
// the transaction that changes its alert (`add` with that transaction), so the change and its
// delivery are stored together or not at all.
import { asc, eq } from 'drizzle-orm'
import type { HubDb } from '../db/database.ts'
import { webhookOutbox } from '../db/schema.ts'

export interface OutboxEntry {
  id: string
  alertId: number
  body: string
  attempts: number
  lastError: string | null
}

/** Where a row is written: the database, or the transaction of the alert's change. */
export type OutboxWriter = Pick<HubDb, 'insert'>

/** The webhook's view of the table; tests may give it another. */
export interface WebhookOutbox {
  add(e: OutboxEntry, via?: OutboxWriter): Promise<void>
  attempted(id: string, attempts: number, lastError: string): Promise<void>
  remove(id: string): Promise<void>
  /** Everything outstanding, oldest first. */
  pending(): Promise<OutboxEntry[]>
}

export class PgWebhookOutbox implements WebhookOutbox {
  constructor(private readonly db: HubDb) {}

  async add(e: OutboxEntry, via: OutboxWriter = this.db) {
    await via.insert(webhookOutbox).values(e).onConflictDoNothing()
  }

  async attempted(id: string, attempts: number, lastError: string) {
    await this.db.update(webhookOutbox).set({ attempts, lastError }).where(eq(webhookOutbox.id, id))
  }

  async remove(id: string) {
    await this.db.delete(webhookOutbox).where(eq(webhookOutbox.id, id))
  }

  async pending(): Promise<OutboxEntry[]> {
    const rows = await this.db.select().from(webhookOutbox).orderBy(asc(webhookOutbox.createdAt), asc(webhookOutbox.id))
    return rows.map((r) => ({ id: r.id, alertId: r.alertId, body: r.body, attempts: r.attempts, lastError: r.lastError }))
  }
}
