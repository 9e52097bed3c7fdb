/**
 * HiWonder / LewanSoul LX bus-servo protocol (TonyPi `tonypi-hat` profile).
 *
 *   0x55 0x55 ID LEN CMD P1..Pn CHK     LEN = n + 3,  CHK = ~(ID + LEN + CMD + P1..Pn) & 0xFF
 *
 * Command numbers, parameter layouts, ranges and reply lengths follow HiWonder's "LewanSoul
 * Bus Servo Communication Protocol" (Tables 2 and 4; a copy of its text ships in public
 * LX-16A driver sources) and the LOBOT_SERVO_* constants of HiWonder's BusServoCmd.py.
 *
 * Echoes: the hat's bus is one wire, so the UART also receives every byte the Pi writes.
 * The edge should drain/ignore its own request before waiting for the reply. Two helpers
 * make that explicit: `isLxEcho(frame, sentBytes)` recognises the echo, and
 * `isLxReplyTo(frame, sentBytes)` accepts only a real reply (read replies always carry
 * parameters, read requests never do, so an echo can never pass as a reply).
 */

import { StreamDecoder, type StreamStats } from './stream-buffer.ts'
import { checkBytes, checkInt } from './validate.ts'

export const LX_HEADER = 0x55
/** Broadcast id: every servo obeys, none replies (except to ID_READ). */
export const LX_BROADCAST_ID = 0xfe
export const LX_MAX_SERVO_ID = 253
/** LEN of the longest frame the protocol defines (4 parameters). */
export const LX_MAX_LEN = 7
/** Position units per degree: 0..1000 spans 0..240 degrees. */
export const LX_UNITS_PER_DEGREE = 1000 / 240

export const LxCmd = {
  MOVE_TIME_WRITE: 1,
  MOVE_TIME_READ: 2,
  MOVE_TIME_WAIT_WRITE: 7,
  MOVE_TIME_WAIT_READ: 8,
  MOVE_START: 11,
  MOVE_STOP: 12,
  ID_WRITE: 13,
  ID_READ: 14,
  ANGLE_OFFSET_ADJUST: 17,
  ANGLE_OFFSET_WRITE: 18,
  ANGLE_OFFSET_READ: 19,
  ANGLE_LIMIT_WRITE: 20,
  ANGLE_LIMIT_READ: 21,
  VIN_LIMIT_WRITE: 22,
  VIN_LIMIT_READ: 23,
  TEMP_MAX_LIMIT_WRITE: 24,
  TEMP_MAX_LIMIT_READ: 25,
  TEMP_READ: 26,
  VIN_READ: 27,
  POS_READ: 28,
  OR_MOTOR_MODE_WRITE: 29,
  OR_MOTOR_MODE_READ: 30,
  LOAD_OR_UNLOAD_WRITE: 31,
  LOAD_OR_UNLOAD_READ: 32,
  LED_CTRL_WRITE: 33,
  LED_CTRL_READ: 34,
  LED_ERROR_WRITE: 35,
  LED_ERROR_READ: 36,
} as const
export type LxCmdName = keyof typeof LxCmd
export type LxCmdCode = (typeof LxCmd)[LxCmdName]

/** Ranges from the protocol document; encoders reject anything outside them. */
export const LX_LIMITS = {
  position: { min: 0, max: 1000 },
  timeMs: { min: 0, max: 30000 },
  offset: { min: -125, max: 125 },
  tempLimitC: { min: 50, max: 100 },
  /**
   * The LX-16A document says 4500..12000 mV; HiWonder's own board test writes
   * [4500, 14500] for HV servos, so the wider range is accepted.
   */
  vinMv: { min: 4500, max: 14500 },
  motorSpeed: { min: -1000, max: 1000 },
} as const

export const LxServoMode = { SERVO: 0, MOTOR: 1 } as const
export type LxServoMode = (typeof LxServoMode)[keyof typeof LxServoMode]

/** LED_ERROR bits (protocol Table 3): which faults make the LED flash. */
export const LxLedError = { OVER_TEMP: 1, OVER_VOLTAGE: 2, STALLED: 4 } as const

export interface LxLedErrorFlags {
  overTemp: boolean
  overVoltage: boolean
  stalled: boolean
}

export interface LxFrame {
  id: number
  cmd: number
  params: Uint8Array
  /** Stream offset of the first 0x55, for logs and tests. */
  offset: number
}

// ---------------------------------------------------------------------------------------
// Encoding

/** Generic frame builder; every typed encoder goes through it. */
export function encodeLxFrame(id: number, cmd: number, params: ArrayLike<number> = []): Uint8Array {
  checkInt('id', id, 0, LX_BROADCAST_ID)
  checkInt('cmd', cmd, 0, 255)
  // LEN is one byte and counts itself, CMD and CHK besides the params.
  checkBytes('params', params, 252)
  const n = params.length
  const out = new Uint8Array(n + 6)
  out[0] = LX_HEADER
  out[1] = LX_HEADER
  out[2] = id
  out[3] = n + 3
  out[4] = cmd
  let sum = id + n + 3 + cmd
  for (let i = 0; i < n; i++) {
    out[5 + i] = params[i]
    sum += params[i]
  }
  out[5 + n] = ~sum & 0xff
  return out
}

const lo = (v: number) => v & 0xff
const hi = (v: number) => (v >> 8) & 0xff

function checkReadId(id: number, cmd: number): void {
  // A broadcast read gets no reply (protocol §3), so the caller would only ever time out.
  if (id === LX_BROADCAST_ID && cmd !== LxCmd.ID_READ) {
    throw new RangeError(`broadcast id 254 gets no reply to read command ${cmd}; use a servo id 0..253`)
  }
  checkInt('id', id, 0, LX_BROADCAST_ID)
}

function read(id: number, cmd: number): Uint8Array {
  checkReadId(id, cmd)
  return encodeLxFrame(id, cmd)
}

function checkPos(pos: number): void {
  checkInt('position', pos, LX_LIMITS.position.min, LX_LIMITS.position.max)
}
function checkTime(timeMs: number): void {
  checkInt('timeMs', timeMs, LX_LIMITS.timeMs.min, LX_LIMITS.timeMs.max)
}

export function encodeMoveTimeWrite(id: number, pos: number, timeMs: number): Uint8Array {
  checkPos(pos)
  checkTime(timeMs)
  return encodeLxFrame(id, LxCmd.MOVE_TIME_WRITE, [lo(pos), hi(pos), lo(timeMs), hi(timeMs)])
}
export const encodeMoveTimeRead = (id: number) => read(id, LxCmd.MOVE_TIME_READ)

/** Stores a move that starts on MOVE_START, so several servos can start together. */
export function encodeMoveTimeWaitWrite(id: number, pos: number, timeMs: number): Uint8Array {
  checkPos(pos)
  checkTime(timeMs)
  return encodeLxFrame(id, LxCmd.MOVE_TIME_WAIT_WRITE, [lo(pos), hi(pos), lo(timeMs), hi(timeMs)])
}
export const encodeMoveTimeWaitRead = (id: number) => read(id, LxCmd.MOVE_TIME_WAIT_READ)
export const encodeMoveStart = (id: number) => encodeLxFrame(id, LxCmd.MOVE_START)
export const encodeMoveStop = (id: number) => encodeLxFrame(id, LxCmd.MOVE_STOP)

/** Persistent. With id 254 it renames whatever single servo is on the bus. */
export function encodeIdWrite(id: number, newId: number): Uint8Array {
  checkInt('newId', newId, 0, LX_MAX_SERVO_ID)
  return encodeLxFrame(id, LxCmd.ID_WRITE, [newId])
}
/** id 254 is allowed here: the only broadcast read a servo answers (one servo on the bus). */
export const encodeIdRead = (id: number = LX_BROADCAST_ID) => read(id, LxCmd.ID_READ)

/** Takes effect immediately but is lost at power-off unless followed by encodeAngleOffsetWrite. */
export function encodeAngleOffsetAdjust(id: number, offset: number): Uint8Array {
  checkInt('offset', offset, LX_LIMITS.offset.min, LX_LIMITS.offset.max)
  return encodeLxFrame(id, LxCmd.ANGLE_OFFSET_ADJUST, [offset & 0xff])
}
export const encodeAngleOffsetWrite = (id: number) => encodeLxFrame(id, LxCmd.ANGLE_OFFSET_WRITE)
export const encodeAngleOffsetRead = (id: number) => read(id, LxCmd.ANGLE_OFFSET_READ)

export function encodeAngleLimitWrite(id: number, min: number, max: number): Uint8Array {
  checkInt('min', min, LX_LIMITS.position.min, LX_LIMITS.position.max)
  checkInt('max', max, LX_LIMITS.position.min, LX_LIMITS.position.max)
  if (min >= max) throw new RangeError(`angle limit min (${min}) must be below max (${max})`)
  return encodeLxFrame(id, LxCmd.ANGLE_LIMIT_WRITE, [lo(min), hi(min), lo(max), hi(max)])
}
export const encodeAngleLimitRead = (id: number) => read(id, LxCmd.ANGLE_LIMIT_READ)

export function encodeVinLimitWrite(id: number, minMv: number, maxMv: number): Uint8Array {
  checkInt('minMv', minMv, LX_LIMITS.vinMv.min, LX_LIMITS.vinMv.max)
  checkInt('maxMv', maxMv, LX_LIMITS.vinMv.min, LX_LIMITS.vinMv.max)
  if (minMv >= maxMv) throw new RangeError(`voltage limit min (${minMv}) must be below max (${maxMv})`)
  return encodeLxFrame(id, LxCmd.VIN_LIMIT_WRITE, [lo(minMv), hi(minMv), lo(maxMv), hi(maxMv)])
}
export const encodeVinLimitRead = (id: number) => read(id, LxCmd.VIN_LIMIT_READ)

export function encodeTempMaxLimitWrite(id: number, limitC: number): Uint8Array {
  checkInt('limitC', limitC, LX_LIMITS.tempLimitC.min, LX_LIMITS.tempLimitC.max)
  return encodeLxFrame(id, LxCmd.TEMP_MAX_LIMIT_WRITE, [limitC])
}
export const encodeTempMaxLimitRead = (id: number) => read(id, LxCmd.TEMP_MAX_LIMIT_READ)
export const encodeTempRead = (id: number) => read(id, LxCmd.TEMP_READ)
export const encodeVinRead = (id: number) => read(id, LxCmd.VIN_READ)
export const encodePosRead = (id: number) => read(id, LxCmd.POS_READ)

/** Speed only matters in motor mode; the second parameter byte is reserved (0). */
export function encodeOrMotorModeWrite(id: number, mode: LxServoMode, speed = 0): Uint8Array {
  checkInt('mode', mode, 0, 1)
  checkInt('speed', speed, LX_LIMITS.motorSpeed.min, LX_LIMITS.motorSpeed.max)
  return encodeLxFrame(id, LxCmd.OR_MOTOR_MODE_WRITE, [mode, 0, lo(speed), hi(speed)])
}
export const encodeOrMotorModeRead = (id: number) => read(id, LxCmd.OR_MOTOR_MODE_READ)

/** LOAD_OR_UNLOAD_WRITE: 1 = loaded (torque on), 0 = unloaded (limp). */
export function encodeTorque(id: number, on: boolean): Uint8Array {
  return encodeLxFrame(id, LxCmd.LOAD_OR_UNLOAD_WRITE, [on ? 1 : 0])
}
export const encodeTorqueRead = (id: number) => read(id, LxCmd.LOAD_OR_UNLOAD_READ)

/** The wire value is inverted (0 = LED always on, 1 = off), hence the boolean API. Persistent. */
export function encodeLedCtrlWrite(id: number, ledOn: boolean): Uint8Array {
  return encodeLxFrame(id, LxCmd.LED_CTRL_WRITE, [ledOn ? 0 : 1])
}
export const encodeLedCtrlRead = (id: number) => read(id, LxCmd.LED_CTRL_READ)

export function lxLedErrorBits(flags: LxLedErrorFlags): number {
  return (flags.overTemp ? LxLedError.OVER_TEMP : 0) | (flags.overVoltage ? LxLedError.OVER_VOLTAGE : 0) | (flags.stalled ? LxLedError.STALLED : 0)
}

export function decodeLxLedErrorBits(bits: number): LxLedErrorFlags {
  return {
    overTemp: (bits & LxLedError.OVER_TEMP) !== 0,
    overVoltage: (bits & LxLedError.OVER_VOLTAGE) !== 0,
    stalled: (bits & LxLedError.STALLED) !== 0,
  }
}

/** Chooses which faults make the LED flash. */
export function encodeLedErrorWrite(id: number, faults: LxLedErrorFlags | number): Uint8Array {
  const bits = typeof faults === 'number' ? faults : lxLedErrorBits(faults)
  checkInt('faults', bits, 0, 7)
  return encodeLxFrame(id, LxCmd.LED_ERROR_WRITE, [bits])
}
export const encodeLedErrorRead = (id: number) => read(id, LxCmd.LED_ERROR_READ)

// ---------------------------------------------------------------------------------------
// Replies

/** Parameter count of the reply to each read command (protocol Table 4: LEN - 3). */
export const LX_REPLY_PARAM_COUNT: Readonly<Record<number, number | undefined>> = {
  [LxCmd.MOVE_TIME_READ]: 4,
  [LxCmd.MOVE_TIME_WAIT_READ]: 4,
  [LxCmd.ID_READ]: 1,
  [LxCmd.ANGLE_OFFSET_READ]: 1,
  [LxCmd.ANGLE_LIMIT_READ]: 4,
  [LxCmd.VIN_LIMIT_READ]: 4,
  [LxCmd.TEMP_MAX_LIMIT_READ]: 1,
  [LxCmd.TEMP_READ]: 1,
  [LxCmd.VIN_READ]: 2,
  [LxCmd.POS_READ]: 2,
  [LxCmd.OR_MOTOR_MODE_READ]: 4,
  [LxCmd.LOAD_OR_UNLOAD_READ]: 1,
  [LxCmd.LED_CTRL_READ]: 1,
  [LxCmd.LED_ERROR_READ]: 1,
}

export interface LxReplyValues {
  MOVE_TIME_READ: { pos: number; timeMs: number }
  MOVE_TIME_WAIT_READ: { pos: number; timeMs: number }
  ID_READ: { servoId: number }
  ANGLE_OFFSET_READ: { offset: number }
  ANGLE_LIMIT_READ: { min: number; max: number }
  VIN_LIMIT_READ: { minMv: number; maxMv: number }
  TEMP_MAX_LIMIT_READ: { limitC: number }
  TEMP_READ: { tempC: number }
  VIN_READ: { mv: number }
  /** Signed: a servo pushed past its end stop reads slightly below 0. */
  POS_READ: { pos: number }
  OR_MOTOR_MODE_READ: { mode: number; speed: number }
  LOAD_OR_UNLOAD_READ: { torque: boolean }
  LED_CTRL_READ: { ledOn: boolean }
  LED_ERROR_READ: LxLedErrorFlags & { bits: number }
}
export type LxReadName = keyof LxReplyValues
/** A decoded reply, discriminated by `kind` (the read command's name). */
export type LxReply = { [K in LxReadName]: { kind: K; id: number } & LxReplyValues[K] }[LxReadName]
export type LxReplyOf<K extends LxReadName> = Extract<LxReply, { kind: K }>

const u16 = (p: Uint8Array, i: number) => p[i] | (p[i + 1] << 8)
const i16 = (p: Uint8Array, i: number) => (u16(p, i) << 16) >> 16
const i8 = (b: number) => (b << 24) >> 24

/**
 * Decodes a servo's reply, or returns undefined when the frame is not a reply: a write
 * command, an echoed read request (no params) or a reply of the wrong length.
 */
export function decodeLxReply(frame: LxFrame): LxReply | undefined {
  const p = frame.params
  if (LX_REPLY_PARAM_COUNT[frame.cmd] !== p.length) return undefined
  const id = frame.id
  switch (frame.cmd) {
    case LxCmd.MOVE_TIME_READ:
      return { kind: 'MOVE_TIME_READ', id, pos: i16(p, 0), timeMs: u16(p, 2) }
    case LxCmd.MOVE_TIME_WAIT_READ:
      return { kind: 'MOVE_TIME_WAIT_READ', id, pos: i16(p, 0), timeMs: u16(p, 2) }
    case LxCmd.ID_READ:
      return { kind: 'ID_READ', id, servoId: p[0] }
    case LxCmd.ANGLE_OFFSET_READ:
      return { kind: 'ANGLE_OFFSET_READ', id, offset: i8(p[0]) }
    case LxCmd.ANGLE_LIMIT_READ:
      return { kind: 'ANGLE_LIMIT_READ', id, min: u16(p, 0), max: u16(p, 2) }
    case LxCmd.VIN_LIMIT_READ:
      return { kind: 'VIN_LIMIT_READ', id, minMv: u16(p, 0), maxMv: u16(p, 2) }
    case LxCmd.TEMP_MAX_LIMIT_READ:
      return { kind: 'TEMP_MAX_LIMIT_READ', id, limitC: p[0] }
    case LxCmd.TEMP_READ:
      return { kind: 'TEMP_READ', id, tempC: p[0] }
    case LxCmd.VIN_READ:
      return { kind: 'VIN_READ', id, mv: u16(p, 0) }
    case LxCmd.POS_READ:
      return { kind: 'POS_READ', id, pos: i16(p, 0) }
    case LxCmd.OR_MOTOR_MODE_READ:
      return { kind: 'OR_MOTOR_MODE_READ', id, mode: p[0], speed: i16(p, 2) }
    case LxCmd.LOAD_OR_UNLOAD_READ:
      return { kind: 'LOAD_OR_UNLOAD_READ', id, torque: p[0] !== 0 }
    case LxCmd.LED_CTRL_READ:
      return { kind: 'LED_CTRL_READ', id, ledOn: p[0] === 0 }
    case LxCmd.LED_ERROR_READ:
      return { kind: 'LED_ERROR_READ', id, bits: p[0], ...decodeLxLedErrorBits(p[0]) }
    default:
      return undefined
  }
}

function expectReply<K extends LxReadName>(frame: LxFrame, kind: K): LxReplyOf<K> {
  const r = decodeLxReply(frame)
  if (r === undefined || r.kind !== kind) {
    throw new RangeError(
      `expected a ${kind} reply (cmd ${LxCmd[kind]}, ${LX_REPLY_PARAM_COUNT[LxCmd[kind]]} params), ` +
        `got cmd ${frame.cmd} with ${frame.params.length} params from id ${frame.id}`,
    )
  }
  return r as LxReplyOf<K>
}

export function decodeMoveTimeReply(frame: LxFrame): { pos: number; timeMs: number } {
  const r = expectReply(frame, 'MOVE_TIME_READ')
  return { pos: r.pos, timeMs: r.timeMs }
}
export function decodeMoveTimeWaitReply(frame: LxFrame): { pos: number; timeMs: number } {
  const r = expectReply(frame, 'MOVE_TIME_WAIT_READ')
  return { pos: r.pos, timeMs: r.timeMs }
}
export const decodeIdReply = (frame: LxFrame): number => expectReply(frame, 'ID_READ').servoId
export const decodeAngleOffsetReply = (frame: LxFrame): number => expectReply(frame, 'ANGLE_OFFSET_READ').offset
export function decodeAngleLimitReply(frame: LxFrame): { min: number; max: number } {
  const r = expectReply(frame, 'ANGLE_LIMIT_READ')
  return { min: r.min, max: r.max }
}
export function decodeVinLimitReply(frame: LxFrame): { minMv: number; maxMv: number } {
  const r = expectReply(frame, 'VIN_LIMIT_READ')
  return { minMv: r.minMv, maxMv: r.maxMv }
}
export const decodeTempMaxLimitReply = (frame: LxFrame): number => expectReply(frame, 'TEMP_MAX_LIMIT_READ').limitC
export const decodeTempReply = (frame: LxFrame): number => expectReply(frame, 'TEMP_READ').tempC
export const decodeVinReply = (frame: LxFrame): number => expectReply(frame, 'VIN_READ').mv
export const decodePosReply = (frame: LxFrame): number => expectReply(frame, 'POS_READ').pos
export function decodeOrMotorModeReply(frame: LxFrame): { mode: number; speed: number } {
  const r = expectReply(frame, 'OR_MOTOR_MODE_READ')
  return { mode: r.mode, speed: r.speed }
}
export const decodeTorqueReply = (frame: LxFrame): boolean => expectReply(frame, 'LOAD_OR_UNLOAD_READ').torque
export const decodeLedCtrlReply = (frame: LxFrame): boolean => expectReply(frame, 'LED_CTRL_READ').ledOn
export function decodeLedErrorReply(frame: LxFrame): LxLedErrorFlags & { bits: number } {
  const r = expectReply(frame, 'LED_ERROR_READ')
  return { bits: r.bits, overTemp: r.overTemp, overVoltage: r.overVoltage, stalled: r.stalled }
}

/**
 * Encodes what a servo would answer, for the simulated bus. Values are checked against
 * their wire types only (not the write ranges): a simulator must be able to produce the
 * odd readings real servos give, such as a position of -12.
 */
export function encodeLxReply(reply: LxReply): Uint8Array {
  checkInt('id', reply.id, 0, LX_MAX_SERVO_ID)
  const s16 = (name: string, v: number) => {
    checkInt(name, v, -32768, 32767)
    return [lo(v), hi(v)]
  }
  const w16 = (name: string, v: number) => {
    checkInt(name, v, 0, 65535)
    return [lo(v), hi(v)]
  }
  const b8 = (name: string, v: number) => {
    checkInt(name, v, 0, 255)
    return [v]
  }
  let params: number[]
  switch (reply.kind) {
    case 'MOVE_TIME_READ':
    case 'MOVE_TIME_WAIT_READ':
      params = [...s16('pos', reply.pos), ...w16('timeMs', reply.timeMs)]
      break
    case 'ID_READ':
      params = b8('servoId', reply.servoId)
      break
    case 'ANGLE_OFFSET_READ':
      checkInt('offset', reply.offset, -128, 127)
      params = [reply.offset & 0xff]
      break
    case 'ANGLE_LIMIT_READ':
      params = [...w16('min', reply.min), ...w16('max', reply.max)]
      break
    case 'VIN_LIMIT_READ':
      params = [...w16('minMv', reply.minMv), ...w16('maxMv', reply.maxMv)]
      break
    case 'TEMP_MAX_LIMIT_READ':
      params = b8('limitC', reply.limitC)
      break
    case 'TEMP_READ':
      params = b8('tempC', reply.tempC)
      break
    case 'VIN_READ':
      params = w16('mv', reply.mv)
      break
    case 'POS_READ':
      params = s16('pos', reply.pos)
      break
    case 'OR_MOTOR_MODE_READ':
      params = [...b8('mode', reply.mode), 0, ...s16('speed', reply.speed)]
      break
    case 'LOAD_OR_UNLOAD_READ':
      params = [reply.torque ? 1 : 0]
      break
    case 'LED_CTRL_READ':
      params = [reply.ledOn ? 0 : 1]
      break
    case 'LED_ERROR_READ':
      params = [lxLedErrorBits(reply)]
      break
  }
  return encodeLxFrame(reply.id, LxCmd[reply.kind], params)
}

// ---------------------------------------------------------------------------------------
// Echo handling on the half-duplex wire

/** True when `frame` is the wire echo of the request bytes the edge just wrote. */
export function isLxEcho(frame: LxFrame, sent: Uint8Array): boolean {
  if (sent.length !== frame.params.length + 6) return false
  if (sent[2] !== frame.id || sent[4] !== frame.cmd) return false
  for (let i = 0; i < frame.params.length; i++) if (sent[5 + i] !== frame.params[i]) return false
  return true
}

/**
 * True when `frame` answers the read request `sent`: same command, the reply's parameter
 * count (which a request echo never has) and the addressed servo (any id for a broadcast
 * ID_READ, since finding the unknown id is its purpose).
 */
export function isLxReplyTo(frame: LxFrame, sent: Uint8Array): boolean {
  if (sent.length < 6) return false
  const cmd = sent[4]
  if (frame.cmd !== cmd || LX_REPLY_PARAM_COUNT[cmd] !== frame.params.length) return false
  const id = sent[2]
  return id === LX_BROADCAST_ID ? cmd === LxCmd.ID_READ : frame.id === id
}

// ---------------------------------------------------------------------------------------
// Streaming decoder

export interface LxDecoderOptions {
  /**
   * Largest LEN accepted (default LX_MAX_LEN = 7, the longest frame the protocol has).
   * Keeping it tight is what stops a corrupt LEN from swallowing the frames behind it.
   */
  maxLen?: number
}

export type LxDecoderStats = StreamStats

/**
 * Turns arbitrary chunks of UART bytes into checked frames. On any rejected candidate
 * (LEN outside 3..maxLen, or bad checksum) exactly one byte is dropped and the scan
 * resumes, so a valid frame hiding inside a corrupt candidate is still found.
 */
export class LxFrameDecoder extends StreamDecoder<LxFrame, LxDecoderStats> {
  private readonly maxLen: number

  constructor(options: LxDecoderOptions = {}) {
    const maxLen = options.maxLen ?? LX_MAX_LEN
    checkInt('maxLen', maxLen, 3, 255)
    super(maxLen + 3, { frames: 0, checksumErrors: 0, badLength: 0, discardedBytes: 0, bytesIn: 0 })
    this.maxLen = maxLen
  }

  protected parse(out: LxFrame[]): void {
    const buf = this.buf
    const end = this.end
    const maxLen = this.maxLen
    const stats = this.stats
    let i = this.start
    while (i < end) {
      if (buf[i] !== LX_HEADER) {
        let j = buf.indexOf(LX_HEADER, i)
        // indexOf also sees stale bytes past `end`; those do not count.
        if (j < 0 || j > end) j = end
        stats.discardedBytes += j - i
        i = j
        if (i === end) break
      }
      if (i + 1 >= end) break
      if (buf[i + 1] !== LX_HEADER) {
        stats.discardedBytes++
        i++
        continue
      }
      if (i + 3 >= end) break
      const len = buf[i + 3]
      if (len < 3 || len > maxLen) {
        stats.badLength++
        stats.discardedBytes++
        i++
        continue
      }
      const last = i + len + 2 // index of CHK
      if (last >= end) break
      let sum = 0
      for (let k = i + 2; k < last; k++) sum += buf[k]
      if ((~sum & 0xff) !== buf[last]) {
        stats.checksumErrors++
        stats.discardedBytes++
        i++
        continue
      }
      out.push({ id: buf[i + 2], cmd: buf[i + 4], params: buf.slice(i + 5, last), offset: this.base + i })
      stats.frames++
      i = last + 1
    }
    this.start = i
  }
}
