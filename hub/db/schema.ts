// The hub's relational data in PostgreSQL, as code. Migrations are generated from this file
// (`bun run hub:db:generate`), committed, and applied at start.
import { sql } from 'drizzle-orm'
import {
  bigint, bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex,
} from 'drizzle-orm/pg-core'

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'operator', 'viewer'] }).notNull(),
  email: text('email'),
  tokenVersion: integer('token_version').notNull().default(1),
  /** A generated broker secret (never the password) in Mosquitto's hash format, for its password file; null: no broker access. */
  mqttHash: text('mqtt_hash'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** A robot and its own broker/sync credential (stored hashed; shown once at creation or rotation). */
export const robots = pgTable('robots', {
  robotId: text('robot_id').primaryKey(),
  name: text('name'),
  profile: text('profile'),
  credentialUsername: text('credential_username').notNull().unique(),
  credentialHash: text('credential_hash'),
  /** The credential in Mosquitto's hash format; null once revoked. */
  mqttHash: text('mqtt_hash'),
  /** Speaks the earlier system's layout (seen on its topics): commands go out in that form. */
  legacy: boolean('legacy').notNull().default(false),
  credentialRotatedAt: ts('credential_rotated_at'),
  revokedAt: ts('revoked_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSeenAt: ts('last_seen_at'),
  status: text('status', { enum: ['unknown', 'online', 'emergency_stopped', 'offline'] }).notNull().default('unknown'),
  /** Why the status is what it is: a retained message, a last will, the heartbeat timeout. */
  statusSource: text('status_source'),
  info: jsonb('info').notNull().default({}),
})

export const jobs = pgTable('jobs', {
  id: serial('id').primaryKey(),
  robotId: text('robot_id').notNull().references(() => robots.robotId, { onDelete: 'cascade' }),
  taskName: text('task_name'),
  status: text('status', { enum: ['started', 'in_progress', 'completed', 'cancelled', 'failed'] }).notNull(),
  itemsDone: integer('items_done'),
  itemsTotal: integer('items_total'),
  percent: doublePrecision('percent'),
  reason: text('reason'),
  startedAt: ts('started_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  finishedAt: ts('finished_at'),
}, (t) => [index('jobs_robot_started').on(t.robotId, t.startedAt)])

/**
 * Alert rules kept by the hub: the fleet rules it evaluates itself (hub/alerts/fleet-rules.ts),
 * global (robot_id null) or overridden for one robot. One rule per (robot or global, metric).
 */
export const alertRules = pgTable('alert_rules', {
  id: serial('id').primaryKey(),
  /** null: a global rule. */
  robotId: text('robot_id').references(() => robots.robotId, { onDelete: 'cascade' }),
  metric: text('metric').notNull(),
  direction: text('direction', { enum: ['high', 'low'] }).notNull(),
  warning: doublePrecision('warning'),
  critical: doublePrecision('critical'),
  minDurationS: doublePrecision('min_duration_s').notNull().default(0),
  hysteresis: doublePrecision('hysteresis').notNull().default(0),
  /** false: the alert stays open after its condition clears, until an operator resolves it. */
  autoResolve: boolean('auto_resolve').notNull().default(true),
  enabled: boolean('enabled').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [
  // NULLs are distinct in a plain unique index, so the global rules need their own.
  uniqueIndex('alert_rules_global_metric').on(t.metric).where(sql`${t.robotId} is null`),
  uniqueIndex('alert_rules_robot_metric').on(t.robotId, t.metric).where(sql`${t.robotId} is not null`),
])

export const alerts = pgTable('alerts', {
  id: serial('id').primaryKey(),
  robotId: text('robot_id').notNull().references(() => robots.robotId, { onDelete: 'cascade' }),
  type: text('type').notNull(),
  severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
  source: text('source').notNull().default(''),
  value: doublePrecision('value'),
  threshold: doublePrecision('threshold'),
  title: text('title').notNull(),
  message: text('message').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** The last change (opened, severity, cleared, acknowledged, resolved). */
  updatedAt: ts('updated_at').notNull().defaultNow(),
  acknowledged: boolean('acknowledged').notNull().default(false),
  acknowledgedBy: text('acknowledged_by'),
  acknowledgedAt: ts('acknowledged_at'),
  resolved: boolean('resolved').notNull().default(false),
  resolvedAt: ts('resolved_at'),
}, (t) => [
  // One open alert per (robot, type, source): a condition updates it in place.
  uniqueIndex('alerts_one_open').on(t.robotId, t.type, t.source).where(sql`not ${t.resolved}`),
  index('alerts_robot_created').on(t.robotId, t.createdAt),
])

export const systemLogs = pgTable('system_logs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  ts: ts('ts').notNull().defaultNow(),
  level: text('level', { enum: ['debug', 'info', 'warn', 'error', 'critical'] }).notNull(),
  category: text('category').notNull(),
  robotId: text('robot_id'),
  message: text('message').notNull(),
  details: jsonb('details'),
}, (t) => [index('system_logs_ts').on(t.ts), index('system_logs_robot_ts').on(t.robotId, t.ts)])

export const reports = pgTable('reports', {
  id: serial('id').primaryKey(),
  robotId: text('robot_id'),
  reportType: text('report_type', { enum: ['performance', 'job', 'maintenance'] }).notNull(),
  fromTs: ts('from_ts').notNull(),
  toTs: ts('to_ts').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  figures: jsonb('figures').notNull(),
  narrative: text('narrative'),
  narrativeError: text('narrative_error'),
})

/** The audit log of commands sent to robots, with their outcome. */
export const commands = pgTable('commands', {
  id: text('id').primaryKey(),
  robotId: text('robot_id').notNull(),
  username: text('username').notNull(),
  type: text('type').notNull(),
  body: jsonb('body').notNull(),
  state: text('state', { enum: ['sent', 'accepted', 'done', 'rejected', 'failed', 'timeout'] }).notNull(),
  reason: text('reason'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('commands_robot_created').on(t.robotId, t.createdAt)])

/** Per robot: how far the hub has applied its sync stream, and what it knows of its clock. */
export const syncState = pgTable('sync_state', {
  robotId: text('robot_id').primaryKey().references(() => robots.robotId, { onDelete: 'cascade' }),
  highWaterSeq: bigint('high_water_seq', { mode: 'number' }).notNull().default(0),
  lastBatchAt: ts('last_batch_at'),
  bootId: text('boot_id'),
  clockOffsetMs: bigint('clock_offset_ms', { mode: 'number' }),
  backlog: bigint('backlog', { mode: 'number' }),
})

/**
 * Alert webhook deliveries not yet answered: written when an alert change is handed to the
 * webhook, deleted when the receiver takes it or it is given up, so a hub stopped (or killed)
 * with deliveries outstanding sends them, under the same delivery id, after it starts again.
 */
export const webhookOutbox = pgTable('webhook_outbox', {
  id: text('id').primaryKey(),
  alertId: integer('alert_id').notNull(),
  body: text('body').notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('webhook_outbox_created').on(t.createdAt)])
