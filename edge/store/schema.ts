// The edge database, as code. Migrations are generated from this file by drizzle-kit
// (`bun run db:generate`) and committed; the edge applies them at start.
//
// Write volume decides the shapes here: every page a transaction touches costs a page
// of WAL on the SD card. So the per-tick tables append by rowid with no secondary
// index (the time lookup goes through `chunk_minutes`, written once a minute).
import { blob, index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Packed samples of one stream over one tick; `seq` is the robot's sync sequence. */
export const chunks = sqliteTable('chunks', {
  seq: integer('seq').primaryKey(),
  stream: text('stream').notNull(),
  t0: integer('t0').notNull(),
  t1: integer('t1').notNull(),
  n: integer('n').notNull(),
  data: blob('data', { mode: 'buffer' }).notNull(),
})

/** Which sequence numbers hold each stream's chunks of each minute. */
export const chunkMinutes = sqliteTable('chunk_minutes', {
  stream: text('stream').notNull(),
  minute: integer('minute').notNull(),
  firstSeq: integer('first_seq').notNull(),
  lastSeq: integer('last_seq').notNull(),
}, (t) => [primaryKey({ columns: [t.stream, t.minute] })])

/** min/max/mean per minute per stream, source and field: long history stays cheap. */
export const rollups = sqliteTable('rollups', {
  stream: text('stream').notNull(),
  minute: integer('minute').notNull(),
  source: text('source').notNull(),
  field: text('field').notNull(),
  n: integer('n').notNull(),
  min: real('min').notNull(),
  max: real('max').notNull(),
  sum: real('sum').notNull(),
}, (t) => [primaryKey({ columns: [t.stream, t.minute, t.source, t.field] })])

/** Everything that is not a sample and must reach the hub: status changes, commands, logs. */
export const events = sqliteTable('events', {
  seq: integer('seq').primaryKey(),
  ts: integer('ts').notNull(),
  kind: text('kind').notNull(),
  level: text('level').notNull(),
  data: text('data', { mode: 'json' }).notNull(),
}, (t) => [index('events_kind_ts').on(t.kind, t.ts)])

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'operator', 'viewer'] }).notNull(),
  email: text('email'),
  tokenVersion: integer('token_version').notNull().default(1),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/** The command audit log: who asked for what, and what became of it. */
export const commands = sqliteTable('commands', {
  id: text('id').primaryKey(),
  seq: integer('seq').notNull(),
  ts: integer('ts').notNull(),
  username: text('username').notNull(),
  origin: text('origin').notNull(),
  type: text('type').notNull(),
  body: text('body', { mode: 'json' }).notNull(),
  state: text('state').notNull(),
  reason: text('reason'),
  updatedAt: integer('updated_at').notNull(),
}, (t) => [index('commands_ts').on(t.ts)])

export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})
