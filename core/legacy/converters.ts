// One small converter per topic of the earlier layout (LEGACY.md is the reference for its wire
// format), kept apart from topic matching and transport as zigbee2mqtt keeps its converters.
// Each is pure: the payload (a JSON object), its arrival time and the robot id its topic names
// in, our record out, or a LegacyMessageError saying what is wrong with the message.
import { isObj } from '../json-object.ts'
import type { Sample } from '../streams.ts'
import { legacyDegreesToPosition } from '../units.ts'
import { legacyTimestamp, num, robotIdOf, str } from './fields.ts'
import { isLegacyImuAxis, LegacyMessageError, type LegacyJobStatus, type LegacyLogLevel, type LegacyRecord } from './record.ts'
import type { LegacyTopicKind } from './topics.ts'

export type LegacyConverter = (payload: Record<string, unknown>, arrivalMs: number, topicRobotId: string | undefined) => LegacyRecord

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

const sensors: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
  const type = str(p.sensor_type)
  const value = num(p.value)
  if (!type || !SENSOR_TYPE.test(type)) throw new LegacyMessageError('sensor_type missing or invalid')
  if (value === undefined) throw new LegacyMessageError(`sensor ${type}: value is not a number`)
  const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
  if (isLegacyImuAxis(type)) return { kind: 'imu_axis', robotId, axis: type, value, ts, tsTrusted: trusted }
  const perf = SENSOR_TO_PERFORMANCE[type]
  const sample: Sample = perf ? { stream: 'performance', ts, values: { [perf]: value } } : { stream: 'sensors', ts, source: type, values: { value } }
  return { kind: 'samples', robotId, samples: [sample], tsTrusted: trusted }
}

const servos: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
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

/** Its status message's `system_info` as a performance sample, when it holds any of the fields. */
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

const status: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
  const said = str(p.status)
  if (said !== 'online' && said !== 'offline' && said !== 'emergency_stopped') {
    throw new LegacyMessageError(`unknown status ${JSON.stringify(p.status)}`)
  }
  const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
  const info = isObj(p.system_info) ? p.system_info : {}
  const extra: Record<string, unknown> = {}
  for (const k of ['ip_address', 'camera_url', 'hardware_available', 'emergency_stopped', 'emergency_reason']) {
    if (p[k] !== undefined) extra[k] = p[k]
  }
  for (const k of ['platform', 'hardware_mode', 'hardware_sdk']) if (info[k] !== undefined) extra[k] = info[k]
  return { kind: 'status', robotId, status: said, ts, tsTrusted: trusted, samples: statusInfoSamples(info, ts), info: extra }
}

const battery: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
  const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
  const values: Record<string, number> = {}
  const v = num(p.voltage)
  const pct = num(p.percentage)
  if (v === undefined && pct === undefined) throw new LegacyMessageError('battery: neither voltage nor percentage is a number')
  if (v !== undefined) values.voltage_v = v
  if (pct !== undefined) values.percent = pct
  return { kind: 'samples', robotId, samples: [{ stream: 'battery', ts, values }], tsTrusted: trusted }
}

const location: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
  const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
  const samples: Sample[] = []
  for (const axis of ['x', 'y', 'z'] as const) {
    const v = num(p[axis])
    if (v !== undefined) samples.push({ stream: 'sensors', ts, source: `location_${axis}`, values: { value: v } })
  }
  if (!samples.length) throw new LegacyMessageError('location: no numeric x, y or z')
  return { kind: 'samples', robotId, samples, tsTrusted: trusted }
}

const LOG_LEVEL: Record<string, LegacyLogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'critical',
}

const logs: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
  const message = str(p.message)
  if (message === undefined) throw new LegacyMessageError('log: message is not a string')
  const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
  const level = LOG_LEVEL[String(p.level ?? 'INFO').toUpperCase()] ?? 'info'
  return { kind: 'log', robotId, ts, tsTrusted: trusted, level, message: message.slice(0, 4000), source: str(p.source) ?? 'legacy' }
}

const JOB_STATUS: Record<string, LegacyJobStatus> = {
  started: 'started',
  in_progress: 'in_progress',
  working: 'in_progress',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
}

const job: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
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

/** Commands go to one robot or to `broadcast`; the robot id in their payload is not read. */
const commandTarget = (topicId: string | undefined): string => (topicId === 'broadcast' ? 'broadcast' : robotIdOf(topicId, {}))

const commands: LegacyConverter = (p, _arrivalMs, topicId) => {
  const target = commandTarget(topicId)
  const type = str(p.type)
  if (!type) throw new LegacyMessageError('command: type is missing')
  const { type: _t, id, ...params } = p
  return { kind: 'command', robotId: target, id: str(id) ?? null, type, params }
}

const emergencyStop: LegacyConverter = (p, _arrivalMs, topicId) => ({
  kind: 'command',
  robotId: commandTarget(topicId),
  id: str(p.id) ?? null,
  type: 'emergency_stop',
  params: { reason: str(p.reason) ?? 'legacy emergency stop' },
})

/** `{robot_id, command_id, timestamp, success, message, ...}`, as its client answers every command. */
const commandResponse =
  (replyTo: 'commands' | 'emergency_stop'): LegacyConverter =>
  (p, arrivalMs) => {
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

/** A QR code a robot program read (send_qr_scan): an event worth a log line. */
const scan: LegacyConverter = (p, arrivalMs, topicId) => {
  const robotId = robotIdOf(topicId, p)
  const data = str(p.qr_data)
  if (data === undefined) throw new LegacyMessageError('scan: qr_data is not a string')
  const { ts, trusted } = legacyTimestamp(p.timestamp, arrivalMs)
  const station = str(p.station_name)
  const message = `QR code ${JSON.stringify(data.slice(0, 200))} ${str(p.action) ?? 'scanned'}${station ? ` at ${station.slice(0, 100)}` : ''}`
  return { kind: 'log', robotId, ts, tsTrusted: trusted, level: 'info', message, source: 'scan' }
}

const vision: LegacyConverter = (p, _arrivalMs, topicId) => ({
  kind: 'unused',
  robotId: robotIdOf(topicId, p),
  reason: 'vision detections are not kept by this system',
})

/** Every topic kind of the earlier layout has its converter: the type makes a missing one an error. */
export const LEGACY_CONVERTERS: Record<LegacyTopicKind, LegacyConverter> = {
  sensors,
  servos,
  status,
  battery,
  location,
  logs,
  job,
  commands,
  'commands/response': commandResponse('commands'),
  emergency_stop: emergencyStop,
  'emergency_stop/response': commandResponse('emergency_stop'),
  scan,
  vision,
}
