// How the earlier system's messages map onto this system's records, decided once for the edge
// and the hub, so the two can never disagree: its command vocabulary both ways and what its
// replies mean, the transitions its status messages make (logged on change only), and which job
// a job message belongs to. core/legacy/adapt.ts decodes the messages; this says what they mean.
//
// The vocabulary is its client's (robot_client/tonypi_client.py on_message in
// AimanZX06/Monitoring_System_TonyPi): `{type, id, ...}` on `tonypi/commands/<id>` with type
// move (a `direction`), stop, resume, status_request, battery_request, shutdown, head_nod,
// head_shake; an emergency stop is `{id, reason}` on `tonypi/emergency_stop/<id>`. Every reply
// is `{robot_id, command_id, timestamp, success, message, ...}` on `tonypi/commands/response`
// (an emergency stop's also on `tonypi/emergency_stop/response`).
import { isFinishedJobStatus, JOB_RUN_GAP_MS, jobChanges, UNNAMED_TASK, type JobProgress, type JobState, type JobStatus } from '../job-event.ts'
import type { LegacyRecord } from './record.ts'
import type { Command } from '../schemas.ts'

// ---------------------------------------------------------------------------------------------
// Commands

export const LEGACY_COMMAND_TYPES = ['move', 'stop', 'resume', 'status_request', 'battery_request', 'shutdown', 'head_nod', 'head_shake'] as const
/** Its `move` directions (ACTION_MAPPING in its hiwonder/ActionGroupControl.py, and `stop`). */
export const LEGACY_DIRECTIONS = ['forward', 'backward', 'left', 'right', 'stand', 'squat', 'wave', 'kick_left', 'kick_right', 'bow', 'stop'] as const
/** Requests it answers with data and no motion. */
export const LEGACY_QUERIES = ['status_request', 'battery_request'] as const
export type LegacyQuery = (typeof LEGACY_QUERIES)[number]

export interface LegacyCommandMessage {
  topic: string
  payload: Record<string, unknown>
}

const OUR_TYPES_IT_TAKES = 'stop, estop, resume, action.stop and motion (its moves and head gestures)'

/** One of our commands as its client takes it, or why it cannot. */
export function toLegacyCommand(robotId: string, id: string, cmd: Command): LegacyCommandMessage | { refused: string } {
  const commands = `tonypi/commands/${robotId}`
  switch (cmd.type) {
    case 'estop':
      return { topic: `tonypi/emergency_stop/${robotId}`, payload: { id, reason: cmd.reason ?? 'emergency stop' } }
    case 'stop':
    // Its stop is stopActionGroup(): the running action group ends, which is our action.stop too.
    case 'action.stop':
      return { topic: commands, payload: { type: 'stop', id } }
    case 'resume':
      return { topic: commands, payload: { type: 'resume', id } }
    case 'motion':
      // Head gestures are command types of their own: as a `move` direction it finds no action group.
      if (cmd.motion === 'head_nod' || cmd.motion === 'head_shake') return { topic: commands, payload: { type: cmd.motion, id } }
      return { topic: commands, payload: { type: 'move', id, direction: cmd.motion } }
    default:
      return { refused: `the earlier Python client has no ${cmd.type}: it takes ${OUR_TYPES_IT_TAKES}` }
  }
}

/** A command in its vocabulary (from an operator's tool on its topics) as ours, a query, or why not. */
export function fromLegacyCommand(type: string, params: Record<string, unknown>): { command: Command } | { query: LegacyQuery } | { refused: string } {
  switch (type) {
    case 'emergency_stop':
      return { command: { type: 'estop', ...(typeof params.reason === 'string' ? { reason: params.reason.slice(0, 200) } : {}) } }
    case 'stop':
      return { command: { type: 'stop' } }
    case 'resume':
      return { command: { type: 'resume' } }
    case 'head_nod':
    case 'head_shake':
      return { command: { type: 'motion', motion: type } }
    case 'move': {
      const d = params.direction
      if (d === 'stop') return { command: { type: 'stop' } }
      if (typeof d === 'string' && (LEGACY_DIRECTIONS as readonly string[]).includes(d))
        return { command: { type: 'motion', motion: d as Exclude<(typeof LEGACY_DIRECTIONS)[number], 'stop'> } }
      return { refused: `unknown direction ${JSON.stringify(String(d).slice(0, 40))} (known: ${LEGACY_DIRECTIONS.join(', ')})` }
    }
    case 'status_request':
    case 'battery_request':
      return { query: type }
    case 'shutdown':
      return { refused: 'shutdown is not accepted over MQTT (power the Pi off with systemctl poweroff)' }
    default:
      return { refused: `command type ${JSON.stringify(type.slice(0, 40))} is not supported (known: ${LEGACY_COMMAND_TYPES.join(', ')})` }
  }
}

/** What its reply makes of a command: it says only success or not, with a message for people. */
export function outcomeOfLegacyReply(r: { success: boolean; message: string }): { state: 'done' | 'failed'; reason: string } {
  return { state: r.success ? 'done' : 'failed', reason: r.message || (r.success ? 'done' : 'failed without a message') }
}

/** A reply in its shape, for a robot of ours answering a command given in its vocabulary. */
export function legacyReply(
  robotId: string,
  commandId: string | null,
  success: boolean,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { robot_id: robotId, command_id: commandId, timestamp: new Date().toISOString(), success, message, ...extra }
}

// ---------------------------------------------------------------------------------------------
// Status

type StatusRecord = Extract<LegacyRecord, { kind: 'status' }>

export interface LegacyStatus {
  status: StatusRecord['status']
  estopped: boolean
  estopReason: string | null
  info: Record<string, unknown>
}

export function legacyStatusOf(rec: StatusRecord): LegacyStatus {
  const estopped = rec.status === 'emergency_stopped' || rec.info.emergency_stopped === true
  const reason = typeof rec.info.emergency_reason === 'string' ? rec.info.emergency_reason.slice(0, 200) : null
  return { status: rec.status, estopped, estopReason: estopped ? reason : null, info: rec.info }
}

export interface StatusTransition {
  from: LegacyStatus | null
  to: LegacyStatus
  level: 'info' | 'warn'
  message: string
}

const shown = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : JSON.stringify(v))

/**
 * Its client repeats its status every 10 s (about 8,600 messages a day): each robot's is
 * remembered, and only a message that says something new is a transition worth a log line.
 */
export class LegacyStatusTransitions {
  private last = new Map<string, { key: string; status: LegacyStatus }>()

  /** The transition this message makes, or null when it repeats the last one. */
  note(robotId: string, rec: StatusRecord): StatusTransition | null {
    const to = legacyStatusOf(rec)
    const key = JSON.stringify([to.status, Object.entries(to.info).sort(([a], [b]) => a.localeCompare(b))])
    const prev = this.last.get(robotId)
    if (prev?.key === key) return null
    this.last.set(robotId, { key, status: to })
    const from = prev?.status ?? null
    const parts: string[] = [from && from.status !== to.status ? `${from.status} -> ${to.status}` : to.status]
    if (to.estopped && to.estopReason) parts.push(`reason: ${to.estopReason}`)
    if (from) {
      for (const k of new Set([...Object.keys(from.info), ...Object.keys(to.info)])) {
        if (k === 'emergency_stopped' || k === 'emergency_reason' || JSON.stringify(from.info[k]) === JSON.stringify(to.info[k])) continue
        parts.push(`${k} ${shown(from.info[k])} -> ${shown(to.info[k])}`)
      }
    }
    const level = to.status === 'online' ? 'info' : 'warn'
    return { from, to, level, message: `earlier client ${robotId}: ${parts.join('; ')}` }
  }

  /** After the robot went away: its next status is news again. */
  forget(robotId: string) {
    this.last.delete(robotId)
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs

/** A job report of either layout (core/legacy/record.ts, core/job-event.ts), as far as matching goes. */
export interface JobReport {
  status: Exclude<JobStatus, 'queued'>
  taskName: string | null
  itemsDone: number | null
  itemsTotal: number | null
  percent: number | null
  reason: string | null
  /** The report's time: the robot's own when plausible, else its arrival. */
  ts: number
}

export interface KnownJob extends JobState {
  id: number
}

export type JobPlan =
  /** `set` may be empty: the report repeats what the job says. */
  | { kind: 'update'; id: number; set: Partial<JobState>; ignored?: string }
  | { kind: 'create'; job: JobState & { startedAt: number } }
  | { kind: 'ignore'; reason: string }

const progressOf = (r: JobReport): JobProgress => ({
  status: r.status,
  task_name: r.taskName,
  items_done: r.itemsDone,
  items_total: r.itemsTotal,
  percent: r.percent,
  reason: r.reason,
})

/**
 * Where a job report without a job id goes. Each end looks up two rows on its own tables: the
 * robot's open job of the report's task (of any task when the report names none: its
 * simulator's progress and end messages carry no task_name) and likewise its last job. With an
 * open job, the report is that job's progress. Without one, a "started" begins a run; so does
 * anything else, unless it repeats how the last run ended (its simulator sends "completed"
 * every 3 s until the next job: LEGACY.md flaw 11) or is a straggler of a run that ended less
 * than JOB_RUN_GAP_MS before it.
 */
export function planJobReport(r: JobReport, open: KnownJob | null, last: KnownJob | null): JobPlan {
  const progress = progressOf(r)
  if (open) {
    const { set, ignored } = jobChanges(open, progress, r.ts)
    return { kind: 'update', id: open.id, set, ...(ignored ? { ignored } : {}) }
  }
  if (r.status !== 'started' && last && last.finishedAt !== null) {
    const sameEnd =
      isFinishedJobStatus(r.status) &&
      r.status === last.status &&
      (r.itemsDone === null || r.itemsDone === last.itemsDone) &&
      (r.itemsTotal === null || r.itemsTotal === last.itemsTotal)
    if (sameEnd) return { kind: 'ignore', reason: `a repeat of how job ${last.id} ended (${last.status})` }
    if (r.ts - last.finishedAt <= JOB_RUN_GAP_MS)
      return { kind: 'ignore', reason: `job ${last.id} ended ${Math.round((r.ts - last.finishedAt) / 1000)} s before this ${r.status}` }
  }
  const fresh: JobState = {
    taskName: r.taskName ?? UNNAMED_TASK,
    status: 'queued',
    itemsDone: null,
    itemsTotal: null,
    percent: null,
    reason: null,
    finishedAt: null,
  }
  return { kind: 'create', job: { ...fresh, ...jobChanges(fresh, progress, r.ts).set, startedAt: r.ts } }
}
