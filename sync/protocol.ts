// The edge-to-hub sync protocol, declared once (TypeBox) for both ends: what a batch carries,
// what the hub answers, what the robot pulls down. A batch body is gzip-compressed JSON; its
// version is checked before anything else, so a robot and a hub of different releases refuse
// each other with a reason instead of misreading a field.
import { Type as T, type Static } from '@sinclair/typebox'
import { STREAM_NAMES } from '../core/streams.ts'
import { EditedDetails } from '../core/robot-details.ts'

export const SYNC_VERSION = 1

/** A batch is bounded both ways: a robot reads at most this much, a hub accepts at most this much. */
export const BATCH_LIMITS = {
  /** Records per batch (the hub refuses more). */
  maxRecords: 2000,
  /** Uncompressed JSON bytes of one batch (the hub refuses more with 413). */
  maxBytes: 1024 * 1024,
  /** Compressed bytes of one request body, checked before it is inflated: under the hub's 1 MiB front-door cap, so the refusal says why. */
  maxWireBytes: 960 * 1024,
} as const

/** A robot with more than this waiting, or data older than this not yet at the hub, is catching up (both dashboards say so). */
export const CATCH_UP = { records: 1000, lagMs: 10_000 } as const

/**
 * Two lanes, each in the robot's sequence order: `events` (logs, alerts, jobs, commands,
 * reports) always drains first, so what a person must see is never stuck behind an hour of
 * telemetry; `telemetry` carries the stored sample chunks as they are.
 */
export const LANES = ['events', 'telemetry'] as const
export type Lane = (typeof LANES)[number]

const Seq = T.Integer({ minimum: 1 })
const Ms = T.Number()
const NullableNumber = T.Union([T.Number(), T.Null()])
const NullableString = T.Union([T.String(), T.Null()])

export const ChunkRecord = T.Object({
  kind: T.Literal('chunk'),
  seq: Seq,
  stream: T.Union(STREAM_NAMES.map((s) => T.Literal(s))),
  t0: Ms,
  t1: Ms,
  n: T.Integer({ minimum: 1 }),
  /** The chunk exactly as stored on the robot (core/chunk-codec.ts), base64. */
  data: T.String({ maxLength: 2_000_000 }),
})

export const EventRecord = T.Object({
  kind: T.Literal('event'),
  seq: Seq,
  ts: Ms,
  event: T.String({ maxLength: 64 }),
  level: T.String({ maxLength: 16 }),
  data: T.Unknown(),
})

export const AlertSyncRecord = T.Object({
  kind: T.Literal('alert'),
  seq: Seq,
  id: T.Integer(),
  type: T.String({ maxLength: 64 }),
  severity: T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')]),
  source: T.String({ maxLength: 64 }),
  value: NullableNumber,
  threshold: NullableNumber,
  title: T.String({ maxLength: 500 }),
  message: T.String({ maxLength: 4000 }),
  created_at: Ms,
  updated_at: Ms,
  acknowledged: T.Boolean(),
  acknowledged_by: NullableString,
  acknowledged_at: NullableNumber,
  resolved: T.Boolean(),
  resolved_at: NullableNumber,
})

export const JobSyncRecord = T.Object({
  kind: T.Literal('job'),
  seq: Seq,
  id: T.Integer(),
  task_name: T.String({ maxLength: 200 }),
  status: T.String({ maxLength: 16 }),
  items_done: NullableNumber,
  items_total: NullableNumber,
  percent: NullableNumber,
  reason: NullableString,
  action: T.Unknown(),
  source: T.String({ maxLength: 32 }),
  started_at: Ms,
  updated_at: Ms,
  finished_at: NullableNumber,
})

export const CommandSyncRecord = T.Object({
  kind: T.Literal('command'),
  seq: Seq,
  id: T.String({ maxLength: 100 }),
  ts: Ms,
  username: T.String({ maxLength: 100 }),
  origin: T.String({ maxLength: 16 }),
  type: T.String({ maxLength: 40 }),
  body: T.Unknown(),
  state: T.String({ maxLength: 16 }),
  reason: NullableString,
  updated_at: Ms,
})

export const ReportSyncRecord = T.Object({
  kind: T.Literal('report'),
  seq: Seq,
  id: T.Integer(),
  report_type: T.String({ maxLength: 16 }),
  from_ts: Ms,
  to_ts: Ms,
  created_at: Ms,
  created_by: T.String({ maxLength: 100 }),
  figures: T.Unknown(),
  narrative: NullableString,
  narrative_error: NullableString,
})

export const SyncRecord = T.Union([ChunkRecord, EventRecord, AlertSyncRecord, JobSyncRecord, CommandSyncRecord, ReportSyncRecord])
export type SyncRecord = Static<typeof SyncRecord>
export type RecordKind = SyncRecord['kind']
export type ChunkRecord = Static<typeof ChunkRecord>
export type EventRecord = Static<typeof EventRecord>
export type AlertSyncRecord = Static<typeof AlertSyncRecord>
export type JobSyncRecord = Static<typeof JobSyncRecord>
export type CommandSyncRecord = Static<typeof CommandSyncRecord>
export type ReportSyncRecord = Static<typeof ReportSyncRecord>

export const laneOf = (kind: RecordKind): Lane => (kind === 'chunk' ? 'telemetry' : 'events')

/**
 * One span of the robot's clock within one boot: from `first_seq` on, its wall clock read
 * `offset_ms` ahead of its monotonic clock. A new span starts at each boot and whenever the
 * wall clock steps (NTP setting a clock that started stale); sync/clock.ts maps it to true time.
 */
export const ClockSpan = T.Object({
  boot_id: T.String({ maxLength: 64 }),
  first_seq: T.Integer({ minimum: 0 }),
  offset_ms: T.Number(),
})
export type ClockSpan = Static<typeof ClockSpan>

/** A lane's slice: every record of the lane with `after` < seq <= `to` is in the batch. */
export const LaneRange = T.Object({ after: T.Integer({ minimum: 0 }), to: T.Integer({ minimum: 0 }) })

export const Batch = T.Object({
  v: T.Literal(SYNC_VERSION),
  robot_id: T.String({ maxLength: 64 }),
  /** A random id made when the robot's database was created: a new one means a new sequence. */
  db_id: T.String({ minLength: 8, maxLength: 64 }),
  boot_id: T.String({ maxLength: 64 }),
  /** The robot's wall and monotonic clocks when it sent the batch. */
  wall_ms: Ms,
  mono_ms: Ms,
  /** Round-trip time of the previous request, so the hub can centre its clock estimate. */
  rtt_ms: T.Optional(T.Number({ minimum: 0 })),
  /**
   * The robot's own measure of its boot's anchor (hub time = monotonic time + anchor), from the
   * hub's clock in an earlier answer less half that request's round trip, the shortest seen.
   */
  anchor_ms: T.Optional(T.Number()),
  lanes: T.Object({ events: T.Optional(LaneRange), telemetry: T.Optional(LaneRange) }),
  /** Records still waiting on the robot after this batch, per lane. */
  backlog: T.Object({ events: T.Integer({ minimum: 0 }), telemetry: T.Integer({ minimum: 0 }) }),
  /** Oldest record still waiting (epoch ms), for the lag the hub shows; null when caught up. */
  oldest_pending_ts: NullableNumber,
  /** Unsynced samples the robot had to drop (disk quota, retention), per stream, since its database began. */
  dropped: T.Record(T.String(), T.Integer({ minimum: 0 })),
  clock: T.Array(ClockSpan, { maxItems: 1000 }),
  records: T.Array(SyncRecord, { maxItems: BATCH_LIMITS.maxRecords }),
})
export type Batch = Static<typeof Batch>

export const LaneMarks = T.Object({ events: T.Integer({ minimum: 0 }), telemetry: T.Integer({ minimum: 0 }) })
export type LaneMarks = Static<typeof LaneMarks>

export const Quarantined = T.Object({ seq: T.Integer(), kind: T.String(), reason: T.String() })

/** The hub's answer: how far it has every record of each lane (the robot's new cursors). */
export const BatchAck = T.Object({
  v: T.Literal(SYNC_VERSION),
  ack: LaneMarks,
  /** Records the hub could not apply: kept aside on the hub, reported here, never retried. */
  quarantined: T.Array(Quarantined),
  /** The hub's wall clock when it answered. */
  hub_ms: Ms,
  /** Samples whose robot timestamps were corrected for a clock that was wrong when they were taken. */
  corrected: T.Integer({ minimum: 0 }),
})
export type BatchAck = Static<typeof BatchAck>

/** 409 answer: the hub is missing records before this batch (its database was restored, say). */
export const GapAnswer = T.Object({ error: T.Literal('sync_gap'), message: T.String(), ack: LaneMarks })

/** What a robot needs to know to talk to its hub, looked up at start and after every failure. */
export const SyncConfig = T.Object({
  v: T.Literal(SYNC_VERSION),
  robot_id: T.String(),
  /** The fleet broker as robots should reach it (mqtt:// or mqtts://), and the robot's account there. */
  mqtt: T.Object({ url: T.String(), username: T.String() }),
  limits: T.Object({ max_records: T.Integer(), max_bytes: T.Integer() }),
  /** The hub's cursors for this robot's database (0 for a database it has not seen). */
  ack: LaneMarks,
  db_id: NullableString,
  hub_ms: Ms,
})
export type SyncConfig = Static<typeof SyncConfig>

export const DownUser = T.Object({
  hub_id: T.Integer(),
  username: T.String(),
  role: T.Union([T.Literal('admin'), T.Literal('operator'), T.Literal('viewer')]),
  password_hash: T.String(),
  email: NullableString,
  token_version: T.Integer(),
  updated_at: Ms,
  /** false: deactivated on the hub, so unable to log in on the robot too. Absent (a hub before it): active. */
  is_active: T.Optional(T.Boolean()),
})
export type DownUser = Static<typeof DownUser>

export const DownRule = T.Object({
  metric: T.String(),
  direction: T.Union([T.Literal('high'), T.Literal('low')]),
  warning: NullableNumber,
  critical: NullableNumber,
  min_duration_s: T.Number(),
  hysteresis: T.Number(),
  auto_resolve: T.Boolean(),
  enabled: T.Boolean(),
  updated_at: Ms,
})
export type DownRule = Static<typeof DownRule>

/** An acknowledge or resolve given on the hub to one of the robot's own alerts. */
export const DownAlertAction = T.Object({
  id: T.Integer(),
  alert_id: T.Integer(),
  action: T.Union([T.Literal('acknowledge'), T.Literal('resolve')]),
  /** The severity the person saw: an acknowledgement does not cover a later escalation. */
  severity: T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')]),
  by: T.String(),
  at: Ms,
})
export type DownAlertAction = Static<typeof DownAlertAction>

/** What flows down (hub -> robot): the hub's users, its alert rules for this robot, pending alert actions. */
export const DownState = T.Object({
  v: T.Literal(SYNC_VERSION),
  users: T.Array(DownUser),
  rules: T.Array(DownRule),
  alert_actions: T.Array(DownAlertAction),
  /** What people wrote about the robot on the hub, once someone has; absent from a hub before it. */
  details: T.Optional(EditedDetails),
  hub_ms: Ms,
})
export type DownState = Static<typeof DownState>

/** The robot's request for the down state, reporting the alert actions it has applied (or found moot). */
export const DownRequest = T.Object({
  v: T.Literal(SYNC_VERSION),
  db_id: T.String({ maxLength: 64 }),
  done_actions: T.Array(T.Integer(), { maxItems: 1000 }),
})
export type DownRequest = Static<typeof DownRequest>
