// The hub's relational data in PostgreSQL, as code. Migrations are generated from this file
// (`bun run hub:db:generate`), committed, and applied at start.
import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { ROLES } from '../../core/roles.ts'

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

/**
 * jsonb that stores objects as objects. drizzle's own jsonb stringifies the value and Bun.SQL then
 * encodes that string again, so every value landed as a JSON *string* (drizzle-team/drizzle-orm
 * #4942, fixed only in its 1.0 beta) and jsonb operators, Grafana's queries among them, saw text.
 * Bun.SQL encodes objects and arrays as JSON itself; values stored the old way are read back too
 * (migration 0005 rewrote them).
 */
const jsonType = (dataType: 'jsonb' | 'json') =>
  customType<{ data: unknown; driverData: unknown }>({
    dataType: () => dataType,
    toDriver: (v) => v,
    fromDriver: (v) => (typeof v === 'string' && /^[[{]/.test(v) ? JSON.parse(v) : v),
  })
const jsonb = jsonType('jsonb')
/** A document whose key order is part of it (a report's figures, laid out in order): json keeps the text as written. */
const json = jsonType('json')

/**
 * A record synced from a robot is keyed by `<database id>:<the robot's own id>`: the same
 * record sent twice is one row, and a reflashed robot's new records never overwrite its old
 * ones. `edge_seq` is the version: a stale copy (replayed, reordered) never overwrites a newer.
 */
const synced = {
  edgeKey: text('edge_key'),
  edgeId: integer('edge_id'),
  edgeSeq: bigint('edge_seq', { mode: 'number' }),
}

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ROLES }).notNull(),
  email: text('email'),
  tokenVersion: integer('token_version').notNull().default(1),
  /** A generated broker secret (never the password) in Mosquitto's hash format, for its password file; null: no broker access. */
  mqttHash: text('mqtt_hash'),
  /** A deactivated user keeps the account but cannot log in, and every token of theirs stops working. */
  isActive: boolean('is_active').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** A robot and its own broker/sync credential (stored hashed; shown once at creation or rotation). */
export const robots = pgTable('robots', {
  robotId: text('robot_id').primaryKey(),
  name: text('name'),
  /** What people write about the robot (PUT robots/{id}). */
  description: text('description'),
  location: text('location'),
  notes: text('notes'),
  /** When they were last edited, here or on the robot (its time as corrected by sync): the later edit wins. */
  detailsEditedAt: ts('details_edited_at'),
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
  status: text('status', { enum: ['unknown', 'online', 'emergency_stopped', 'offline'] })
    .notNull()
    .default('unknown'),
  /** Why the status is what it is: a retained message, a last will, the heartbeat timeout. */
  statusSource: text('status_source'),
  info: jsonb('info').notNull().default({}),
})

export const jobs = pgTable(
  'jobs',
  {
    id: serial('id').primaryKey(),
    robotId: text('robot_id')
      .notNull()
      .references(() => robots.robotId, { onDelete: 'cascade' }),
    taskName: text('task_name'),
    status: text('status', { enum: ['queued', 'started', 'in_progress', 'completed', 'cancelled', 'failed'] }).notNull(),
    itemsDone: integer('items_done'),
    itemsTotal: integer('items_total'),
    percent: doublePrecision('percent'),
    reason: text('reason'),
    startedAt: ts('started_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    /** A synced job: what the robot ran it with and who reported it (the robot's job record). */
    action: jsonb('action'),
    source: text('source'),
    ...synced,
  },
  (t) => [
    index('jobs_robot_started').on(t.robotId, t.startedAt),
    uniqueIndex('jobs_robot_edge_key').on(t.robotId, t.edgeKey).where(sql`${t.edgeKey} is not null`),
  ],
)

/**
 * Alert rules kept by the hub: the fleet rules it evaluates itself (hub/alerts/fleet-rules.ts),
 * global (robot_id null) or overridden for one robot. One rule per (robot or global, metric).
 */
export const alertRules = pgTable(
  'alert_rules',
  {
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
  },
  (t) => [
    // NULLs are distinct in a plain unique index, so the global rules need their own.
    uniqueIndex('alert_rules_global_metric').on(t.metric).where(sql`${t.robotId} is null`),
    uniqueIndex('alert_rules_robot_metric').on(t.robotId, t.metric).where(sql`${t.robotId} is not null`),
  ],
)

export const alerts = pgTable(
  'alerts',
  {
    id: serial('id').primaryKey(),
    robotId: text('robot_id')
      .notNull()
      .references(() => robots.robotId, { onDelete: 'cascade' }),
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
    /** Raised by the robot itself (synced) rather than by the hub's fleet rules. */
    ...synced,
    /** Milliseconds the robot's stamps were moved for a clock that was wrong (sync/clock.ts); null when not. */
    clockCorrectedMs: bigint('clock_corrected_ms', { mode: 'number' }),
  },
  (t) => [
    // One open alert per (robot, type, source): a condition updates it in place.
    uniqueIndex('alerts_one_open').on(t.robotId, t.type, t.source).where(sql`not ${t.resolved}`),
    index('alerts_robot_created').on(t.robotId, t.createdAt),
    uniqueIndex('alerts_robot_edge_key').on(t.robotId, t.edgeKey).where(sql`${t.edgeKey} is not null`),
  ],
)

export const systemLogs = pgTable(
  'system_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ts: ts('ts').notNull().defaultNow(),
    level: text('level', { enum: ['debug', 'info', 'warn', 'error', 'critical'] }).notNull(),
    category: text('category').notNull(),
    robotId: text('robot_id'),
    message: text('message').notNull(),
    details: jsonb('details'),
    /** A robot's own log event, synced: `<database id>:<its sequence number>`. */
    edgeKey: text('edge_key'),
  },
  (t) => [
    index('system_logs_ts').on(t.ts),
    index('system_logs_robot_ts').on(t.robotId, t.ts),
    uniqueIndex('system_logs_robot_edge_key').on(t.robotId, t.edgeKey).where(sql`${t.edgeKey} is not null`),
  ],
)

export const reports = pgTable(
  'reports',
  {
    id: serial('id').primaryKey(),
    robotId: text('robot_id'),
    reportType: text('report_type', { enum: ['performance', 'job', 'maintenance'] }).notNull(),
    fromTs: ts('from_ts').notNull(),
    toTs: ts('to_ts').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    figures: json('figures').notNull(),
    narrative: text('narrative'),
    narrativeError: text('narrative_error'),
    /** A report the robot generated about itself, synced. */
    ...synced,
  },
  (t) => [uniqueIndex('reports_robot_edge_key').on(t.robotId, t.edgeKey).where(sql`${t.edgeKey} is not null`)],
)

/**
 * The audit log of commands to robots, with their outcome: those sent from the hub, and (synced)
 * those given on each robot. A command's id is unique per robot.
 */
export const commands = pgTable(
  'commands',
  {
    id: text('id').notNull(),
    robotId: text('robot_id').notNull(),
    username: text('username').notNull(),
    type: text('type').notNull(),
    body: jsonb('body').notNull(),
    state: text('state', { enum: ['sent', 'accepted', 'done', 'rejected', 'failed', 'timeout'] }).notNull(),
    reason: text('reason'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** Where it was given: `hub` for this API, else the robot's own (api, mqtt, legacy). */
    origin: text('origin').notNull().default('hub'),
    /** The robot's version of the record, once synced. */
    edgeSeq: bigint('edge_seq', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.robotId, t.id] }), index('commands_robot_created').on(t.robotId, t.createdAt)],
)

/**
 * Per robot: how far the hub has applied its sync stream (one mark per lane, sync/protocol.ts:
 * `high_water_seq` for telemetry, `events_high_water_seq` for the events lane), for which of its
 * databases, and what the robot said with its last batch.
 */
export const syncState = pgTable('sync_state', {
  robotId: text('robot_id')
    .primaryKey()
    .references(() => robots.robotId, { onDelete: 'cascade' }),
  highWaterSeq: bigint('high_water_seq', { mode: 'number' }).notNull().default(0),
  eventsHighWaterSeq: bigint('events_high_water_seq', { mode: 'number' }).notNull().default(0),
  dbId: text('db_id'),
  lastBatchAt: ts('last_batch_at'),
  bootId: text('boot_id'),
  /** The robot's wall clock minus the hub's at its last batch. */
  clockOffsetMs: bigint('clock_offset_ms', { mode: 'number' }),
  /** Records waiting on the robot after its last batch (both lanes). */
  backlog: bigint('backlog', { mode: 'number' }),
  oldestPendingAt: ts('oldest_pending_at'),
  /** Unsynced samples the robot had to drop, per stream, as it last reported. */
  dropped: jsonb('dropped').notNull().default({}),
  /** Records applied per second over the last batches. */
  ratePerS: doublePrecision('rate_per_s'),
  quarantined: integer('quarantined').notNull().default(0),
  correctedSamples: bigint('corrected_samples', { mode: 'number' }).notNull().default(0),
})

/** Per robot and boot: true time = the robot's monotonic clock + anchor (sync/clock.ts). Set once. */
export const syncClockAnchors = pgTable(
  'sync_clock_anchors',
  {
    robotId: text('robot_id')
      .notNull()
      .references(() => robots.robotId, { onDelete: 'cascade' }),
    bootId: text('boot_id').notNull(),
    anchorMs: bigint('anchor_ms', { mode: 'number' }).notNull(),
    measuredAt: ts('measured_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.robotId, t.bootId] })],
)

/** Records a robot sent that the hub could not apply: kept for a person to look at, never blocking the stream. */
export const syncQuarantine = pgTable(
  'sync_quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    robotId: text('robot_id')
      .notNull()
      .references(() => robots.robotId, { onDelete: 'cascade' }),
    dbId: text('db_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    reason: text('reason').notNull(),
    record: jsonb('record'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sync_quarantine_robot_seq').on(t.robotId, t.dbId, t.seq)],
)

/** An acknowledge or resolve given on the hub to a robot's own alert, until the robot has applied it. */
export const robotAlertActions = pgTable(
  'robot_alert_actions',
  {
    id: serial('id').primaryKey(),
    robotId: text('robot_id')
      .notNull()
      .references(() => robots.robotId, { onDelete: 'cascade' }),
    /** The robot's alert id (alerts.edge_id). */
    alertEdgeId: integer('alert_edge_id').notNull(),
    action: text('action', { enum: ['acknowledge', 'resolve'] }).notNull(),
    /** What the person saw: an acknowledgement does not cover a later escalation. */
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    by: text('by').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('robot_alert_actions_robot').on(t.robotId)],
)

/**
 * Alert webhook deliveries not yet answered: written when an alert change is handed to the
 * webhook, deleted when the receiver takes it or it is given up, so a hub stopped (or killed)
 * with deliveries outstanding sends them, under the same delivery id, after it starts again.
 */
export const webhookOutbox = pgTable(
  'webhook_outbox',
  {
    id: text('id').primaryKey(),
    alertId: integer('alert_id').notNull(),
    body: text('body').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_outbox_created').on(t.createdAt)],
)
