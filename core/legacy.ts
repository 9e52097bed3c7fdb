// The one adapter for the earlier system's MQTT layout (LEGACY.md). Robots running its
// Python client keep working: their messages are mapped here to our samples and events,
// on the edge and on the hub alike. Pure: topic + payload + arrival time in, records out.
import { legacyDegreesToPosition } from './units.ts'
import type { Sample } from './streams.ts'
import { isValidRobotId, parseTopic } from './topics.ts'
import { isObj } from './json-object.ts'

export type LegacyRecord =
  | { kind: 'samples'; robotId: string; samples: Sample[]; tsTrusted: boolean }
  /** One axis of an IMU reading: the client sends six messages per reading (core/legacy-imu.ts joins them). */
  | { kind: 'imu_axis'; robotId: string; axis: LegacyImuAxis; value: number; ts: number; tsTrusted: boolean }
  | {
      kind: 'status'
      robotId: string
      status: 'online' | 'offline' | 'emergency_stopped'
      ts: number
      tsTrusted: boolean
      samples: Sample[]
      info: Record<string, unknown>
    }
  | { kind: 'log'; robotId: string; ts: number; tsTrusted: boolean; level: LegacyLogLevel; message: string; source: string }
  | {
      kind: 'job'
      robotId: string
      ts: number
      tsTrusted: boolean
      status: LegacyJobStatus
      taskName: string | null
      itemsDone: number | null
      itemsTotal: number | null
      percent: number | null
      reason: string | null
    }
  | { kind: 'command'; robotId: string | 'broadcast'; id: string | null; type: string; params: Record<string, unknown> }
  /** A reply; an emergency stop's comes twice, on `tonypi/emergency_stop/response` and `tonypi/commands/response`. */
  | {
      kind: 'command_response'
      robotId: string
      commandId: string | null
      success: boolean
      message: string
      ts: number
      replyTo: 'commands' | 'emergency_stop'
    }
  /** Something its client publishes that this system does not keep (vision detections), with why. */
  | { kind: 'unused'; robotId: string; reason: string }

export type LegacyLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical'

/** The sensor types of its IMU readings (robot_client/tonypi_client.py read_sensors). */
export const LEGACY_IMU_AXES = ['accelerometer_x', 'accelerometer_y', 'accelerometer_z', 'gyroscope_x', 'gyroscope_y', 'gyroscope_z'] as const
export type LegacyImuAxis = (typeof LEGACY_IMU_AXES)[number]
const isImuAxis = (t: string): t is LegacyImuAxis => (LEGACY_IMU_AXES as readonly string[]).includes(t)
export type LegacyJobStatus = 'started' | 'in_progress' | 'completed' | 'cancelled' | 'failed'

export class LegacyMessageError extends Error {}

/** Timestamps from the earlier client are local time without a zone: hints only. */
const PLAUSIBLE_SKEW_MS = 5 * 60_000

export function legacyTimestamp(raw: unknown, arrivalMs: number): { ts: number; trusted: boolean } {
  if (typeof raw === 'string' || typeof raw === 'number') {
    const t = typeof raw === 'number' ? (raw < 1e11 ? raw * 1000 : raw) : Date.parse(raw)
    if (Number.isFinite(t) && Math.abs(t - arrivalMs) <= PLAUSIBLE_SKEW_MS) return { ts: Math.round(t), trusted: true }
  }
  return { ts: arrivalMs, trusted: false }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function robotIdOf(topicId: string | undefined, payload: Record<string, unknown>): string {
  const id = topicId ?? str(payload.robot_id)
  if (!id) throw new LegacyMessageError('no robot_id in topic or payload')
  if (!isValidRobotId(id)) throw new LegacyMessageError(`invalid robot_id ${JSON.stringify(id).slice(0, 80)}`)
  if (topicId && payload.robot_id !== undefined && payload.robot_id !== topicId) {
    throw new LegacyMessageError(`robot_id ${JSON.stringify(payload.robot_id)} does not match topic ${topicId}`)
  }
  return id
}

/** Legacy sensor types that are really Pi performance fields. */
const SENSOR_TO_PERFORMANCE: Record<string, string> = {
  cpu_temperature: 'cpu_temp_c',
  system_temperature: 'cpu_temp_c',
  system_cpu_percent: 'cpu_percent',
  system_memory_percent: 'mem_percent',
  system_disk_usage: 'disk_percent',
  system_uptime: 'uptime_s',
}
const SENSOR_TYPE = /^[a-z][a-z0-9_]{0,47}$/

function statusInfoSamples(info: Record<string, unknown>, ts: number): Sample[] {
  const values: Record<string, number> = {}
  const put = (k: string, v: unknown) => {
    const n = num(v)
    if (n !== undefined) values[k] = n
  }
  put('cpu_percent', info.cpu_percent)
  put('mem_percent', info.memory_percent)
  put('disk_percent', info.disk_usage)
  put('cpu_temp_c', info.cpu_temperature ?? info.temperature)
  put('uptime_s', info.uptime)
  return Object.keys(values).length ? [{ stream: 'performance', ts, values }] : []
}

const JOB_STATUS: Record<string, LegacyJobStatus> = {
  started: 'started',
  in_progress: 'in_progress',
  working: 'in_progress',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
}
const LOG_LEVEL: Record<string, LegacyLogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'critical',
}

/**
 * Map one legacy message. Throws LegacyMessageError with the reason for anything
 * malformed; returns null for a topic outside the legacy layout.
 */
export function adaptLegacyMessage(topic: string, payload: unknown, arrivalMs: number): LegacyRecord | null {
  const t = parseTopic(topic)
  if (t.kind !== 'legacy') return null
  if (!isObj(payload)) throw new LegacyMessageError('payload is not a JSON object')
  const p = payload

  switch (t.root) {
    case 'sensors': {
      const robotId = robotIdOf(t.robotId, p)
      const type = str(p.sensor_type)
      const value = num(p.value)
      if (!type || !SENSOR_TYPE.test(type)) throw new LegacyMessageError('sensor_type missing or invalid')
      if (value === undefined) throw new LegacyMessageError(`sensor ${type}: value is not a number`)
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      if (isImuAxis(type)) return { kind: 'imu_axis', robotId, axis: type, value, ts, tsTrusted: trusted }
      const perf = SENSOR_TO_PERFORMANCE[type]
      const sample: Sample = perf ? { stream: 'performance', ts, values: { [perf]: value } } : { stream: 'sensors', ts, source: type, values: { value } }
      return { kind: 'samples', robotId, samples: [sample], tsTrusted: trusted }
    }
    case 'servos': {
      const robotId = robotIdOf(t.robotId, p)
      if (!isObj(p.servos)) throw new LegacyMessageError('servos is not an object')
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      const samples: Sample[] = []
      for (const [key, s] of Object.entries(p.servos)) {
        if (!isObj(s)) throw new LegacyMessageError(`servo ${key} is not an object`)
        const id = num(s.id) ?? Number(key.replace(/^servo_/, ''))
        if (!Number.isInteger(id) || id < 0 || id > 253) throw new LegacyMessageError(`servo ${key}: invalid id`)
        const values: Record<string, number> = {}
        const deg = num(s.position)
        // Its degrees span the servo's range (-90..90 = positions 0..1000): anything else is not a reading.
        if (deg !== undefined && Math.abs(deg) > 90) throw new LegacyMessageError(`servo ${key}: position ${deg} degrees is outside -90..90`)
        if (deg !== undefined) values.position = legacyDegreesToPosition(deg)
        const temp = num(s.temperature)
        if (temp !== undefined) values.temperature_c = temp
        const volt = num(s.voltage)
        if (volt !== undefined) values.voltage_v = volt
        if (typeof s.torque_enabled === 'boolean') values.torque = s.torque_enabled ? 1 : 0
        samples.push({ stream: 'servos', ts, source: String(id), values })
      }
      return { kind: 'samples', robotId, samples, tsTrusted: trusted }
    }
    case 'status': {
      const robotId = robotIdOf(t.robotId, p)
      const status = str(p.status)
      if (status !== 'online' && status !== 'offline' && status !== 'emergency_stopped') {
        throw new LegacyMessageError(`unknown status ${JSON.stringify(p.status)}`)
      }
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      const info = isObj(p.system_info) ? p.system_info : {}
      const extra: Record<string, unknown> = {}
      for (const k of ['ip_address', 'camera_url', 'hardware_available', 'emergency_stopped', 'emergency_reason']) {
        if (p[k] !== undefined) extra[k] = p[k]
      }
      for (const k of ['platform', 'hardware_mode', 'hardware_sdk']) if (info[k] !== undefined) extra[k] = info[k]
      return { kind: 'status', robotId, status, ts, tsTrusted: trusted, samples: statusInfoSamples(info, ts), info: extra }
    }
    case 'battery': {
      const robotId = robotIdOf(t.robotId, p)
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      const values: Record<string, number> = {}
      const v = num(p.voltage)
      const pct = num(p.percentage)
      if (v === undefined && pct === undefined) throw new LegacyMessageError('battery: neither voltage nor percentage is a number')
      if (v !== undefined) values.voltage_v = v
      if (pct !== undefined) values.percent = pct
      return { kind: 'samples', robotId, samples: [{ stream: 'battery', ts, values }], tsTrusted: trusted }
    }
    case 'location': {
      const robotId = robotIdOf(t.robotId, p)
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      const samples: Sample[] = []
      for (const axis of ['x', 'y', 'z'] as const) {
        const v = num(p[axis])
        if (v !== undefined) samples.push({ stream: 'sensors', ts, source: `location_${axis}`, values: { value: v } })
      }
      if (!samples.length) throw new LegacyMessageError('location: no numeric x, y or z')
      return { kind: 'samples', robotId, samples, tsTrusted: trusted }
    }
    case 'logs': {
      const robotId = robotIdOf(t.robotId, p)
      const message = str(p.message)
      if (message === undefined) throw new LegacyMessageError('log: message is not a string')
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      const level = LOG_LEVEL[String(p.level ?? 'INFO').toUpperCase()] ?? 'info'
      return { kind: 'log', robotId, ts, tsTrusted: trusted, level, message: message.slice(0, 4000), source: str(p.source) ?? 'legacy' }
    }
    case 'job': {
      const robotId = robotIdOf(t.robotId, p)
      const status = JOB_STATUS[String(p.status)]
      if (!status) throw new LegacyMessageError(`job: unknown status ${JSON.stringify(p.status)}`)
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      // A zero percent is a value, not a missing one: only undefined/null fall through.
      const percent = num(p.percent) ?? num(p.progress_percent) ?? null
      return {
        kind: 'job',
        robotId,
        ts,
        tsTrusted: trusted,
        status,
        taskName: str(p.task_name) ?? null,
        itemsDone: num(p.items_done) ?? null,
        itemsTotal: num(p.items_total) ?? null,
        percent,
        reason: str(p.reason) ?? str(p.cancel_reason) ?? null,
      }
    }
    case 'commands': {
      if (t.robotId === 'response') return commandResponse(p, 'commands', arrivalMs)
      const target = t.robotId === 'broadcast' ? 'broadcast' : robotIdOf(t.robotId, {})
      const type = str(p.type)
      if (!type) throw new LegacyMessageError('command: type is missing')
      const { type: _t, id, ...params } = p
      return { kind: 'command', robotId: target, id: str(id) ?? null, type, params }
    }
    case 'emergency_stop': {
      if (t.robotId === 'response') return commandResponse(p, 'emergency_stop', arrivalMs)
      const target = t.robotId === 'broadcast' ? 'broadcast' : robotIdOf(t.robotId, {})
      return { kind: 'command', robotId: target, id: str(p.id) ?? null, type: 'emergency_stop', params: { reason: str(p.reason) ?? 'legacy emergency stop' } }
    }
    case 'scan': {
      // A QR code a robot program read (send_qr_scan): an event worth a log line.
      const robotId = robotIdOf(t.robotId, p)
      const data = str(p.qr_data)
      if (data === undefined) throw new LegacyMessageError('scan: qr_data is not a string')
      const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
      const station = str(p.station_name)
      const message = `QR code ${JSON.stringify(data.slice(0, 200))} ${str(p.action) ?? 'scanned'}${station ? ` at ${station.slice(0, 100)}` : ''}`
      return { kind: 'log', robotId, ts, tsTrusted: trusted, level: 'info', message, source: 'scan' }
    }
    case 'vision':
      return { kind: 'unused', robotId: robotIdOf(t.robotId, p), reason: 'vision detections are not kept by this system' }
  }
  throw new LegacyMessageError(`unhandled legacy topic ${topic}`)
}

/** `{robot_id, command_id, timestamp, success, message, ...}`, as its client answers every command. */
function commandResponse(p: Record<string, unknown>, replyTo: 'commands' | 'emergency_stop', arrivalMs: number): LegacyRecord {
  const robotId = robotIdOf(undefined, p)
  if (typeof p.success !== 'boolean') throw new LegacyMessageError('command response: success is not true or false')
  return {
    kind: 'command_response',
    robotId,
    commandId: str(p.command_id) ?? null,
    replyTo,
    success: p.success,
    message: (str(p.message) ?? '').slice(0, 500),
    ts: legacyTimestamp(p.timestamp, arrivalMs).ts,
  }
}
