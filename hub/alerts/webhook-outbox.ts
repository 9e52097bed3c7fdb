// Where alert webhook deliveries wait until the receiver has answered for them (see the
// webhook_outbox table): the webhook works from memory and writes here only at the points that
// must survive a restart (handed over, each failed attempt, done).
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

/** The webhook's view of the table; tests may give it another. */
export interface WebhookOutbox {
  add(e: OutboxEntry): Promise<void>
  attempted(id: string, attempts: number, lastError: string): Promise<void>
  remove(id: string): Promise<void>
  /** Everything outstanding, oldest first. */
  pending(): Promise<OutboxEntry[]>
}

export class PgWebhookOutbox implements WebhookOutbox {
  constructor(private readonly db: HubDb) {}

  async add(e: OutboxEntry) {
    await this.db.insert(webhookOutbox).values(e).onConflictDoNothing()
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
