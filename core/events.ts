// Every event the robot raises, by name, with the shape of its data: declared once here and
// imported by whoever raises one (the collector, the command executor, the job service, the
// alert monitor), whoever listens (the publisher, the job service, the alert rules, the store's
// event log, the live feed) and the dashboards that read them off the feed. Names and data are
// a wire format (the live feed, the event log, MQTT `command/response` and
// `tonypi/system/alerts`): a change here is a change there.
import type { PlayerEvent, PlayProgress } from './action-play.ts'
import type { AlertMessage } from './alerts/record.ts'
import type { JobRecord } from './job-record.ts'
import type { LegacyRecord } from './legacy/record.ts'
import type { LogLevel } from './log.ts'
import type { RobotDetails } from './robot-details.ts'
import type { CommandOutcome } from './schemas.ts'

/** An event's level is a log level: the store keeps events in the log (debug ones are not kept). */
export type EventLevel = LogLevel

/** The robot's events: name -> data. */
export interface RobotEvents {
  /** A command's outcome: accepted (with who and from where), then done or failed; or rejected. */
  command: CommandOutcome & { user?: string; origin?: string }
  estop: { by: string; reason: string | null }
  /** Who resumed, when not the API's own path (the earlier client resuming by itself). */
  resume: { by?: string }
  'action.started': Extract<PlayerEvent, { type: 'started' }>
  'action.progress': { type: 'progress' } & PlayProgress
  'action.finished': Extract<PlayerEvent, { type: 'finished' }>
  /** A servo stopped answering for several sweeps in a row. */
  'servo.silent': { servo_id: number; message: string }
  'servo.recovered': { servo_id: number; silent_sweeps: number }
  /** Samples the hub never got were dropped to keep the disk quota; `total` counts since the start. */
  'sync.dropped': { stream: string; count: number; total: number }
  alert: AlertMessage
  job: JobRecord & { user?: string }
  login: { ok: boolean; username: string; addr: string; reason?: string }
  /** A person's note in the log (POST /logs). */
  note: { message: string; user: string }
  /** The earlier system's messages (core/legacy/adapt.ts), kept in the log as they came. */
  'legacy.status': { status: Extract<LegacyRecord, { kind: 'status' }>['status']; message?: string; ts_trusted: boolean; [info: string]: unknown }
  'legacy.log': { message: string; source: string; ts_trusted: boolean }
  /** The earlier client's reply to a command the edge did not give it (a query's answer). */
  'legacy.command_response': {
    command_id: string | null
    success: boolean
    message: string
    reply_to: Extract<LegacyRecord, { kind: 'command_response' }>['replyTo']
  }
  /** The earlier client on this robot's broker (legacy-client profile) came or went. */
  'legacy.client': { connected: boolean; message: string }
  /** An admin made a token for Prometheus (the metrics scope). */
  'metrics.token': { username: string; days: number }
  'report.deleted': { id: string | number; by: string; message: string }
  /** The robot's name, description, location or notes changed: all four as they now are (the hub keeps them). */
  'robot.edited': { by: string; fields: string[]; message: string; details: RobotDetails }
}

export type RobotEventName = keyof RobotEvents

/** One event as raised: its name, how much it matters, when (the robot's wall clock), its data. */
export interface RobotEvent<K extends RobotEventName = RobotEventName> {
  event: K
  level: EventLevel
  ts: number
  data: RobotEvents[K]
}

/** Any one event, narrowed by its name: `if (e.event === 'command') e.data.state`. */
export type AnyRobotEvent = { [K in RobotEventName]: RobotEvent<K> }[RobotEventName]

/** The retained MQTT `status` of a robot, which the hub's feed passes on as a `status` event. */
export type StatusMessage = {
  robot_id: string
  status: 'online' | 'offline' | 'emergency_stopped'
  ts: number
  profile: string
  estopped: boolean
  estop_reason: string | null
}

/**
 * The events of a live feed: the robot's, and on the hub's feed also what the hub says of a
 * robot (its `status` as heard over MQTT, its sync progress, the hub's own alerts about it).
 * The hub passes on what robots send, so a robot on other software may leave fields out.
 */
export type FeedEvents = RobotEvents & {
  status: StatusMessage
  sync: Record<string, unknown>
}
export type FeedEventName = keyof FeedEvents
