// The edge database, as code. Migrations are generated from this file by drizzle-kit
// (`bun run db:generate`) and committed; the edge applies them at start.
//
// Write volume decides the shapes here: every page a transaction touches costs a page
// of WAL on the SD card. So the per-tick tables append by rowid with no secondary
// index (the time lookup goes through `chunk_minutes`, written once a minute).
import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { ROLES } from '../../core/roles.ts'

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
export const chunkMinutes = sqliteTable(
  'chunk_minutes',
  {
    stream: text('stream').notNull(),
    minute: integer('minute').notNull(),
    firstSeq: integer('first_seq').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.stream, t.minute] })],
)

/**
 * min/max/mean per minute per stream, source and field: long history stays cheap. WITHOUT ROWID
 * (migration 0004, by hand: drizzle cannot say it): one b-tree on the key, no second index.
 */
export const rollups = sqliteTable(
  'rollups',
  {
    stream: text('stream').notNull(),
    minute: integer('minute').notNull(),
    source: text('source').notNull(),
    field: text('field').notNull(),
    n: integer('n').notNull(),
    min: real('min').notNull(),
    max: real('max').notNull(),
    sum: real('sum').notNull(),
  },
  (t) => [primaryKey({ columns: [t.stream, t.minute, t.source, t.field] })],
)

/** Everything that is not a sample and must reach the hub: status changes, commands, logs. */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey(),
    ts: integer('ts').notNull(),
    kind: text('kind').notNull(),
    level: text('level').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
  },
  (t) => [index('events_kind_ts').on(t.kind, t.ts)],
)

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ROLES }).notNull(),
  email: text('email'),
  tokenVersion: integer('token_version').notNull().default(1),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** `local` users are the robot's own; `hub` users are copies of the hub's, replaced by each sync. */
  origin: text('origin', { enum: ['local', 'hub'] })
    .notNull()
    .default('local'),
  hubId: integer('hub_id'),
  /** A deactivated user keeps the account but cannot log in, and every token of theirs stops working. */
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
})

/** The command audit log: who asked for what, and what became of it. */
export const commands = sqliteTable(
  'commands',
  {
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
  },
  (t) => [index('commands_ts').on(t.ts), index('commands_seq').on(t.seq)],
)

export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/** Alerts raised on the robot (they work offline); one open alert per (type, source). */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    source: text('source').notNull().default(''),
    value: real('value'),
    threshold: real('threshold'),
    title: text('title').notNull(),
    message: text('message').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    acknowledged: integer('acknowledged', { mode: 'boolean' }).notNull().default(false),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: integer('acknowledged_at'),
    resolved: integer('resolved', { mode: 'boolean' }).notNull().default(false),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    uniqueIndex('alerts_one_open').on(t.type, t.source).where(sql`${t.resolved} = 0`),
    index('alerts_created').on(t.createdAt),
    index('alerts_seq').on(t.seq),
  ],
)

/** Threshold rules, editable by admins; the defaults live in core/alerts. */
export const alertRules = sqliteTable('alert_rules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  metric: text('metric').notNull().unique(),
  direction: text('direction', { enum: ['high', 'low'] }).notNull(),
  warning: real('warning'),
  critical: real('critical'),
  minDurationS: real('min_duration_s').notNull().default(0),
  hysteresis: real('hysteresis').notNull().default(0),
  autoResolve: integer('auto_resolve', { mode: 'boolean' }).notNull().default(true),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  updatedAt: integer('updated_at').notNull(),
  /** The hub's edit this rule was last set from; a hub edit overrides, a later local edit stands until the next one. */
  hubUpdatedAt: integer('hub_updated_at'),
})

/** Tasks the robot performs (an action-group sequence, a scan), with an idempotent lifecycle. */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    seq: integer('seq').notNull(),
    taskName: text('task_name').notNull(),
    status: text('status', { enum: ['queued', 'started', 'in_progress', 'completed', 'cancelled', 'failed'] }).notNull(),
    itemsDone: integer('items_done'),
    itemsTotal: integer('items_total'),
    percent: real('percent'),
    reason: text('reason'),
    action: text('action', { mode: 'json' }),
    source: text('source').notNull(),
    startedAt: integer('started_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('jobs_started').on(t.startedAt), index('jobs_seq').on(t.seq)],
)

/** Reports generated on the robot about itself. */
export const reports = sqliteTable(
  'reports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    seq: integer('seq').notNull(),
    reportType: text('report_type', { enum: ['performance', 'job', 'maintenance'] }).notNull(),
    fromTs: integer('from_ts').notNull(),
    toTs: integer('to_ts').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    figures: text('figures', { mode: 'json' }).notNull(),
    narrative: text('narrative'),
    narrativeError: text('narrative_error'),
  },
  (t) => [index('reports_seq').on(t.seq)],
)

/**
 * The robot's wall clock in spans (sync/clock.ts): a new one at each boot and each time the wall
 * clock steps, so the hub can correct what was stamped while it was wrong. A few rows a boot.
 */
export const clockSpans = sqliteTable('clock_spans', {
  firstSeq: integer('first_seq').primaryKey(),
  bootId: text('boot_id').notNull(),
  offsetMs: integer('offset_ms').notNull(),
  at: integer('at').notNull(),
})
