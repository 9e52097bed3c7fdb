/**
 * HiWonder STM32 "robot controller" board protocol (TonyPi `tonypi-board` profile).
 *
 *   0xAA 0x55 FUNC LEN DATA[LEN] CRC8        CRC8 = CRC-8/MAXIM over FUNC, LEN, DATA
 *
 * Sources, cited where a layout depends on them:
 *  - SDK: HiWonder's `ros_robot_controller_sdk.py` (class Board: buf_write, set_led,
 *    set_buzzer, set_motor_speed, pwm_servo_*, bus_servo_*, set_oled_text, set_rgb, get_imu,
 *    get_battery, recv_task).
 *  - Firmware: the board's STM32 sources `packet_handle.c` (packet_serial_servo_handle,
 *    packet_pwm_servo_handle, packet_motor_handle, packet_oled_handle, packet_RGB_Ctl_handle,
 *    packet_battery_limit_handle), `battery.c` (periodic battery report) and `imu.c`
 *    (IMU report), as published in copies of HiWonder's RRC firmware.
 *  - Node: HiWonder's `ros_robot_controller_node.py` (pub_imu_data).
 * Where SDK and firmware disagree the firmware wins, because it is what interprets the bytes.
 */

import { crc8Maxim } from './crc8.ts'
import { StreamDecoder, type StreamStats } from './stream-buffer.ts'
import { STANDARD_GRAVITY } from './units.ts'
import { checkBytes, checkFinite, checkInt, checkLength, viewOf } from './validate.ts'

export { STANDARD_GRAVITY }

export const BOARD_SYNC0 = 0xaa
export const BOARD_SYNC1 = 0x55
/** LEN is one byte, so a frame is at most 2 + 1 + 1 + 255 + 1 bytes. */
export const BOARD_MAX_DATA_LEN = 255
export const BOARD_MAX_FRAME_BYTES = BOARD_MAX_DATA_LEN + 5

export const BoardFunc = {
  SYS: 0,
  LED: 1,
  BUZZER: 2,
  MOTOR: 3,
  PWM_SERVO: 4,
  BUS_SERVO: 5,
  KEY: 6,
  IMU: 7,
  GAMEPAD: 8,
  SBUS: 9,
  OLED: 10,
  RGB: 11,
} as const
export type BoardFuncCode = (typeof BoardFunc)[keyof typeof BoardFunc]
/** Highest FUNC the SDK's receiver accepts (it drops FUNC >= PACKET_FUNC_NONE = 12). */
export const BOARD_MAX_FUNC = 11

export interface BoardFrame {
  func: number
  data: Uint8Array
  /** Stream offset of the 0xAA, for logs and tests. */
  offset: number
}

export function encodeBoardFrame(func: number, data: ArrayLike<number> = []): Uint8Array {
  checkInt('func', func, 0, 255)
  checkBytes('data', data, BOARD_MAX_DATA_LEN)
  const n = data.length
  const out = new Uint8Array(n + 5)
  out[0] = BOARD_SYNC0
  out[1] = BOARD_SYNC1
  out[2] = func
  out[3] = n
  for (let i = 0; i < n; i++) out[4 + i] = data[i]
  out[4 + n] = crc8Maxim(out, 2, 4 + n)
  return out
}

/** Little-endian payload builder; the board is an STM32 and packs structs LE. */
class Payload {
  private bytes: number[] = []
  u8(v: number): this {
    this.bytes.push(v & 0xff)
    return this
  }
  i8(v: number): this {
    return this.u8(v)
  }
  u16(v: number): this {
    this.bytes.push(v & 0xff, (v >> 8) & 0xff)
    return this
  }
  f32(v: number): this {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, v, true)
    this.bytes.push(b[0], b[1], b[2], b[3])
    return this
  }
  raw(v: ArrayLike<number>): this {
    for (let i = 0; i < v.length; i++) this.bytes.push(v[i])
    return this
  }
  frame(func: number): Uint8Array {
    return encodeBoardFrame(func, this.bytes)
  }
}

// ---------------------------------------------------------------------------------------
// FUNC 0: system

export const SysSub = {
  /** Host -> board: low-battery alarm threshold, u16 mV (firmware packet_battery_limit_handle case 1). */
  SET_BATTERY_ALARM: 0x01,
  /** Board -> host: battery mV u16, sent about once a second (firmware battery.c). */
  BATTERY: 0x04,
} as const

/**
 * There is no battery request: the firmware pushes a SYS/0x04 report by itself about once a
 * second (battery_check_timer_callback), and the SDK's get_battery only reads what arrived.
 * What the host can send on FUNC 0 is the low-battery alarm threshold.
 */
export function encodeBatteryAlarmLimit(mv: number): Uint8Array {
  checkInt('mv', mv, 0, 65535)
  return new Payload().u8(SysSub.SET_BATTERY_ALARM).u16(mv).frame(BoardFunc.SYS)
}

/** The board's periodic battery report, for simulators. */
export function encodeBatteryReport(mv: number): Uint8Array {
  checkInt('mv', mv, 0, 65535)
  return new Payload().u8(SysSub.BATTERY).u16(mv).frame(BoardFunc.SYS)
}

/** Battery mV from a FUNC 0 payload, or undefined for other SYS reports. */
export function decodeBatteryReport(data: Uint8Array): number | undefined {
  if (data.length !== 3 || data[0] !== SysSub.BATTERY) return undefined
  return data[1] | (data[2] << 8)
}

// ---------------------------------------------------------------------------------------
// FUNC 1, 2: LED and buzzer (SDK struct "<BHHH" / "<HHHH"; firmware LedCommandTypeDef /
// BuzzerCommandTypeDef). Times are milliseconds on the wire; the SDK takes seconds.

export interface BlinkPattern {
  onMs: number
  offMs: number
  /** Number of on/off cycles. */
  repeat: number
}

function checkBlink(p: BlinkPattern): void {
  checkInt('onMs', p.onMs, 0, 65535)
  checkInt('offMs', p.offMs, 0, 65535)
  checkInt('repeat', p.repeat, 0, 65535)
}

/** LED ids start at 1; the firmware ignores ids above 2. */
export function encodeLed(ledId: number, pattern: BlinkPattern): Uint8Array {
  checkInt('ledId', ledId, 1, 2)
  checkBlink(pattern)
  return new Payload().u8(ledId).u16(pattern.onMs).u16(pattern.offMs).u16(pattern.repeat).frame(BoardFunc.LED)
}

export function encodeBuzzer(freqHz: number, pattern: BlinkPattern): Uint8Array {
  checkInt('freqHz', freqHz, 0, 65535)
  checkBlink(pattern)
  return new Payload().u16(freqHz).u16(pattern.onMs).u16(pattern.offMs).u16(pattern.repeat).frame(BoardFunc.BUZZER)
}

// ---------------------------------------------------------------------------------------
// FUNC 3: DC motors. TonyPi has none; kept for completeness of the board protocol.

/**
 * Firmware packet_motor_handle: 0 = one motor (id, f32), 1 = several (count, then id u8 +
 * f32 each), 2 = stop one, 3 = stop by bit mask. The wire id is 0-based (it indexes
 * motors[]); the SDK's set_motor_speed subtracts 1 from the user's 1-based id, and so do
 * these encoders. The f32 is the speed PID set point (HiWonder's ROS messages call it rps).
 * Sub 5 differs between firmware builds (duty cycle in the SDK, motor type in the
 * firmware), so it is deliberately not offered.
 */
export const MotorSub = { SET_SPEED: 0x00, SET_SPEEDS: 0x01, STOP: 0x02, STOP_MASK: 0x03 } as const

export interface MotorSpeed {
  /** 1..4, as printed on the board. */
  motor: number
  rps: number
}

export function encodeMotorSpeeds(speeds: readonly MotorSpeed[]): Uint8Array {
  checkInt('motor count', speeds.length, 1, 4)
  const p = new Payload().u8(MotorSub.SET_SPEEDS).u8(speeds.length)
  for (const s of speeds) {
    checkInt('motor', s.motor, 1, 4)
    checkFinite('rps', s.rps)
    p.u8(s.motor - 1).f32(s.rps)
  }
  return p.frame(BoardFunc.MOTOR)
}

export function encodeMotorStop(motors: readonly number[]): Uint8Array {
  let mask = 0
  for (const m of motors) {
    checkInt('motor', m, 1, 4)
    mask |= 1 << (m - 1)
  }
  return new Payload().u8(MotorSub.STOP_MASK).u8(mask).frame(BoardFunc.MOTOR)
}

// ---------------------------------------------------------------------------------------
// FUNC 4: PWM servos (firmware packet_pwm_servo_handle; ids 1..4, pulse in microseconds)

export const PwmServoSub = {
  /** dur u16, count u8, count x (id u8, pulse u16): SDK pwm_servo_set_position. */
  SET_POSITIONS: 0x01,
  /** dur u16, id u8, pulse u16 (firmware only). */
  SET_POSITION: 0x03,
  READ_POSITION: 0x05,
  SET_OFFSET: 0x07,
  READ_OFFSET: 0x09,
} as const

export interface PwmServoTarget {
  id: number
  /** Pulse width in microseconds, 500..2500 as HiWonder's SDKs clamp it. */
  pulse: number
}

export function encodePwmServoSetPositions(durationMs: number, targets: readonly PwmServoTarget[]): Uint8Array {
  checkInt('durationMs', durationMs, 0, 65535)
  checkInt('servo count', targets.length, 1, 4)
  const p = new Payload().u8(PwmServoSub.SET_POSITIONS).u16(durationMs).u8(targets.length)
  for (const t of targets) {
    checkInt('id', t.id, 1, 4)
    checkInt('pulse', t.pulse, 500, 2500)
    p.u8(t.id).u16(t.pulse)
  }
  return p.frame(BoardFunc.PWM_SERVO)
}

export function encodePwmServoSetOffset(id: number, offset: number): Uint8Array {
  checkInt('id', id, 1, 4)
  checkInt('offset', offset, -128, 127)
  return new Payload().u8(PwmServoSub.SET_OFFSET).u8(id).i8(offset).frame(BoardFunc.PWM_SERVO)
}

export function encodePwmServoReadPosition(id: number): Uint8Array {
  checkInt('id', id, 1, 4)
  return new Payload().u8(PwmServoSub.READ_POSITION).u8(id).frame(BoardFunc.PWM_SERVO)
}

export function encodePwmServoReadOffset(id: number): Uint8Array {
  checkInt('id', id, 1, 4)
  return new Payload().u8(PwmServoSub.READ_OFFSET).u8(id).frame(BoardFunc.PWM_SERVO)
}

/** PWM replies carry no status byte: [id, sub, pulse u16] or [id, sub, offset i8]. */
export type PwmServoReply = { kind: 'READ_POSITION'; id: number; pulse: number } | { kind: 'READ_OFFSET'; id: number; offset: number }

export function decodePwmServoReply(data: Uint8Array): PwmServoReply | undefined {
  if (data.length === 4 && data[1] === PwmServoSub.READ_POSITION) {
    return { kind: 'READ_POSITION', id: data[0], pulse: data[2] | (data[3] << 8) }
  }
  if (data.length === 3 && data[1] === PwmServoSub.READ_OFFSET) {
    return { kind: 'READ_OFFSET', id: data[0], offset: (data[2] << 24) >> 24 }
  }
  return undefined
}

export function encodePwmServoReply(reply: PwmServoReply): Uint8Array {
  checkInt('id', reply.id, 0, 255)
  if (reply.kind === 'READ_POSITION') {
    checkInt('pulse', reply.pulse, 0, 65535)
    return new Payload().u8(reply.id).u8(PwmServoSub.READ_POSITION).u16(reply.pulse).frame(BoardFunc.PWM_SERVO)
  }
  checkInt('offset', reply.offset, -128, 127)
  return new Payload().u8(reply.id).u8(PwmServoSub.READ_OFFSET).i8(reply.offset).frame(BoardFunc.PWM_SERVO)
}

// ---------------------------------------------------------------------------------------
// FUNC 5: bus servos (the board relays to LX servos; firmware packet_serial_servo_handle)

export const BusServoSub = {
  SET_POSITIONS: 0x01,
  STOP: 0x03,
  READ_POSITION: 0x05,
  READ_VOLTAGE: 0x07,
  READ_TEMP: 0x09,
  /**
   * 0x0B UNLOADS (torque off) and 0x0C loads (torque on). The firmware handles
   * `case 0x0B` ("卸载动力", unload power) with serial_servo_load_unload(..., 0) and
   * `case 0x0C` ("加载动力", load power) with (..., 1). The SDK's
   * `bus_servo_enable_torque(id, enable)` sends 0x0B when `enable` is truthy, which reads
   * as the opposite, but HiWonder's own `unloadBusServo` ("掉电", power off) calls
   * `bus_servo_enable_torque(servo_id, 1)`: the name is misleading, the firmware is right.
   * HARDWARE.md's "0x0B / 0x0C torque on / off" copies the SDK name and is inverted.
   */
  TORQUE_OFF: 0x0b,
  TORQUE_ON: 0x0c,
  READ_TORQUE: 0x0d,
  SET_ID: 0x10,
  READ_ID: 0x12,
  SET_OFFSET: 0x20,
  READ_OFFSET: 0x22,
  SAVE_OFFSET: 0x24,
  SET_ANGLE_LIMIT: 0x30,
  READ_ANGLE_LIMIT: 0x32,
  SET_VIN_LIMIT: 0x34,
  READ_VIN_LIMIT: 0x36,
  SET_TEMP_LIMIT: 0x38,
  READ_TEMP_LIMIT: 0x3a,
} as const

const BUS_ID_MAX = 254 // 254 = broadcast, as on the LX bus itself

function busPayload(sub: number, id: number): Payload {
  checkInt('id', id, 0, BUS_ID_MAX)
  return new Payload().u8(sub).u8(id)
}

export interface BusServoTarget {
  id: number
  /** 0..1000 = 0..240 degrees. */
  pos: number
}

/**
 * One frame moves many servos at once (firmware SerialServoSetPositionCommandTypeDef:
 * sub, dur u16, count u8, then count x (id u8, pos u16)).
 */
export function encodeBusServoSetPositions(durationMs: number, targets: readonly BusServoTarget[]): Uint8Array {
  checkInt('durationMs', durationMs, 0, 30000)
  // 4 header bytes + 3 per servo must fit in LEN.
  checkInt('servo count', targets.length, 1, Math.floor((BOARD_MAX_DATA_LEN - 4) / 3))
  const p = new Payload().u8(BusServoSub.SET_POSITIONS).u16(durationMs).u8(targets.length)
  for (const t of targets) {
    checkInt('id', t.id, 0, BUS_ID_MAX)
    checkInt('pos', t.pos, 0, 1000)
    p.u8(t.id).u16(t.pos)
  }
  return p.frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoStop(ids: readonly number[]): Uint8Array {
  checkInt('servo count', ids.length, 1, BOARD_MAX_DATA_LEN - 2)
  const p = new Payload().u8(BusServoSub.STOP).u8(ids.length)
  for (const id of ids) {
    checkInt('id', id, 0, BUS_ID_MAX)
    p.u8(id)
  }
  return p.frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoTorque(id: number, on: boolean): Uint8Array {
  return busPayload(on ? BusServoSub.TORQUE_ON : BusServoSub.TORQUE_OFF, id).frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoSetId(oldId: number, newId: number): Uint8Array {
  checkInt('newId', newId, 0, 253)
  return busPayload(BusServoSub.SET_ID, oldId).u8(newId).frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoSetOffset(id: number, offset: number): Uint8Array {
  checkInt('offset', offset, -125, 125)
  return busPayload(BusServoSub.SET_OFFSET, id).i8(offset).frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoSaveOffset(id: number): Uint8Array {
  return busPayload(BusServoSub.SAVE_OFFSET, id).frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoSetAngleLimit(id: number, min: number, max: number): Uint8Array {
  checkInt('min', min, 0, 1000)
  checkInt('max', max, 0, 1000)
  if (min >= max) throw new RangeError(`angle limit min (${min}) must be below max (${max})`)
  return busPayload(BusServoSub.SET_ANGLE_LIMIT, id).u16(min).u16(max).frame(BoardFunc.BUS_SERVO)
}

/**
 * HiWonder's protocol document for the controller board keeps the high limit below 14000 mV
 * (HARDWARE.md section 2), lower than the LX servos' own VIN_LIMIT_WRITE accepts.
 */
export const BOARD_VIN_LIMIT_MV = { min: 4500, below: 14000 } as const

export function encodeBusServoSetVinLimit(id: number, minMv: number, maxMv: number): Uint8Array {
  checkInt('minMv', minMv, BOARD_VIN_LIMIT_MV.min, BOARD_VIN_LIMIT_MV.below - 1)
  if (!Number.isInteger(maxMv) || maxMv < BOARD_VIN_LIMIT_MV.min || maxMv >= BOARD_VIN_LIMIT_MV.below) {
    throw new RangeError(
      `voltage limit high must be a whole number of mV from ${BOARD_VIN_LIMIT_MV.min} and below ${BOARD_VIN_LIMIT_MV.below} (HiWonder's controller-board protocol), got ${String(maxMv)}`,
    )
  }
  if (minMv >= maxMv) throw new RangeError(`voltage limit min (${minMv}) must be below max (${maxMv})`)
  return busPayload(BusServoSub.SET_VIN_LIMIT, id).u16(minMv).u16(maxMv).frame(BoardFunc.BUS_SERVO)
}

export function encodeBusServoSetTempLimit(id: number, limitC: number): Uint8Array {
  checkInt('limitC', limitC, 50, 100)
  return busPayload(BusServoSub.SET_TEMP_LIMIT, id).u8(limitC).frame(BoardFunc.BUS_SERVO)
}

/** Wire layout of each read reply's value (SDK bus_servo_read_* unpack formats). */
export interface BusServoReplyValues {
  READ_POSITION: { position: number }
  READ_VOLTAGE: { mv: number }
  READ_TEMP: { tempC: number }
  READ_TORQUE: { torque: boolean }
  READ_ID: { servoId: number }
  READ_OFFSET: { offset: number }
  READ_ANGLE_LIMIT: { min: number; max: number }
  READ_VIN_LIMIT: { minMv: number; maxMv: number }
  READ_TEMP_LIMIT: { limitC: number }
}
export type BusServoReadName = keyof BusServoReplyValues

/** Reply DATA: id u8, sub u8, status i8, value. */
export type BusServoReply = {
  [K in BusServoReadName]: {
    kind: K
    id: number
    /**
     * 0 = the board got an answer from the servo (the SDK only returns values when it
     * is 0). On failure the firmware still sends the full-length report with a zero value.
     */
    status: number
    ok: boolean
  } & BusServoReplyValues[K]
}[BusServoReadName]
export type BusServoReplyOf<K extends BusServoReadName> = Extract<BusServoReply, { kind: K }>

/** DATA length of each read reply (firmware packet_transmit sizes: 5, 5, 4, 4, 4, 4, 7, 7, 4). */
export const BUS_SERVO_REPLY_LENGTH: Readonly<Record<BusServoReadName, number>> = {
  READ_POSITION: 5,
  READ_VOLTAGE: 5,
  READ_TEMP: 4,
  READ_TORQUE: 4,
  READ_ID: 4,
  READ_OFFSET: 4,
  READ_ANGLE_LIMIT: 7,
  READ_VIN_LIMIT: 7,
  READ_TEMP_LIMIT: 4,
}

const READ_NAME_BY_SUB = new Map<number, BusServoReadName>((Object.keys(BUS_SERVO_REPLY_LENGTH) as BusServoReadName[]).map((k) => [BusServoSub[k], k]))

/** The read request: `[sub, id]`. */
export function encodeBusServoRead(kind: BusServoReadName, id: number): Uint8Array {
  // Only ID read makes sense as broadcast (one servo on the bus), like LX ID_READ.
  if (id === 254 && kind !== 'READ_ID') throw new RangeError(`broadcast id 254 gets no reply to ${kind}`)
  return busPayload(BusServoSub[kind], id).frame(BoardFunc.BUS_SERVO)
}
export const encodeBusServoReadPosition = (id: number) => encodeBusServoRead('READ_POSITION', id)
export const encodeBusServoReadVoltage = (id: number) => encodeBusServoRead('READ_VOLTAGE', id)
export const encodeBusServoReadTemp = (id: number) => encodeBusServoRead('READ_TEMP', id)
export const encodeBusServoReadTorque = (id: number) => encodeBusServoRead('READ_TORQUE', id)
export const encodeBusServoReadId = (id = 254) => encodeBusServoRead('READ_ID', id)
export const encodeBusServoReadOffset = (id: number) => encodeBusServoRead('READ_OFFSET', id)
export const encodeBusServoReadAngleLimit = (id: number) => encodeBusServoRead('READ_ANGLE_LIMIT', id)
export const encodeBusServoReadVinLimit = (id: number) => encodeBusServoRead('READ_VIN_LIMIT', id)
export const encodeBusServoReadTempLimit = (id: number) => encodeBusServoRead('READ_TEMP_LIMIT', id)

/** Decodes a FUNC 5 payload from the board; undefined if it is not a known read reply. */
export function decodeBusServoReply(data: Uint8Array): BusServoReply | undefined {
  if (data.length < 3) return undefined
  const kind = READ_NAME_BY_SUB.get(data[1])
  if (kind === undefined || data.length !== BUS_SERVO_REPLY_LENGTH[kind]) return undefined
  const id = data[0]
  const status = (data[2] << 24) >> 24
  const ok = status === 0
  const u16 = (i: number) => data[i] | (data[i + 1] << 8)
  const head = { id, status, ok }
  switch (kind) {
    case 'READ_POSITION':
      return { kind, ...head, position: (u16(3) << 16) >> 16 }
    case 'READ_VOLTAGE':
      return { kind, ...head, mv: u16(3) }
    case 'READ_TEMP':
      return { kind, ...head, tempC: data[3] }
    case 'READ_TORQUE':
      return { kind, ...head, torque: data[3] !== 0 }
    case 'READ_ID':
      return { kind, ...head, servoId: data[3] }
    case 'READ_OFFSET':
      return { kind, ...head, offset: (data[3] << 24) >> 24 }
    case 'READ_ANGLE_LIMIT':
      return { kind, ...head, min: u16(3), max: u16(5) }
    case 'READ_VIN_LIMIT':
      return { kind, ...head, minMv: u16(3), maxMv: u16(5) }
    case 'READ_TEMP_LIMIT':
      return { kind, ...head, limitC: data[3] }
  }
}

/** Typed access when the caller knows which read it issued; throws on anything else. */
export function expectBusServoReply<K extends BusServoReadName>(data: Uint8Array, kind: K): BusServoReplyOf<K> {
  const r = decodeBusServoReply(data)
  if (r === undefined || r.kind !== kind) {
    throw new RangeError(
      `expected a bus-servo ${kind} reply (sub 0x${BusServoSub[kind].toString(16)}, ${BUS_SERVO_REPLY_LENGTH[kind]} bytes), ` +
        `got ${data.length} bytes with sub 0x${(data[1] ?? 0).toString(16)}`,
    )
  }
  return r as BusServoReplyOf<K>
}

/** True when a decoded reply answers the read `kind` for servo `id`. */
export function isBusServoReplyTo(reply: BusServoReply, kind: BusServoReadName, id: number): boolean {
  return reply.kind === kind && (id === 254 || reply.id === id)
}

/** What the board would send back, for simulators. `status` defaults to 0 (ok). */
export function encodeBusServoReply(
  reply: { [K in BusServoReadName]: { kind: K; id: number; status?: number } & BusServoReplyValues[K] }[BusServoReadName],
): Uint8Array {
  checkInt('id', reply.id, 0, 255)
  const status = reply.status ?? 0
  checkInt('status', status, -128, 127)
  const p = new Payload().u8(reply.id).u8(BusServoSub[reply.kind]).i8(status)
  const w16 = (name: string, v: number) => {
    checkInt(name, v, 0, 65535)
    p.u16(v)
  }
  switch (reply.kind) {
    case 'READ_POSITION':
      checkInt('position', reply.position, -32768, 32767)
      p.u16(reply.position)
      break
    case 'READ_VOLTAGE':
      w16('mv', reply.mv)
      break
    case 'READ_TEMP':
      checkInt('tempC', reply.tempC, 0, 255)
      p.u8(reply.tempC)
      break
    case 'READ_TORQUE':
      p.u8(reply.torque ? 1 : 0)
      break
    case 'READ_ID':
      checkInt('servoId', reply.servoId, 0, 255)
      p.u8(reply.servoId)
      break
    case 'READ_OFFSET':
      checkInt('offset', reply.offset, -128, 127)
      p.i8(reply.offset)
      break
    case 'READ_ANGLE_LIMIT':
      w16('min', reply.min)
      w16('max', reply.max)
      break
    case 'READ_VIN_LIMIT':
      w16('minMv', reply.minMv)
      w16('maxMv', reply.maxMv)
      break
    case 'READ_TEMP_LIMIT':
      checkInt('limitC', reply.limitC, 0, 255)
      p.u8(reply.limitC)
      break
  }
  return p.frame(BoardFunc.BUS_SERVO)
}

// ---------------------------------------------------------------------------------------
// FUNC 6: key events

/** Event codes (SDK PacketReportKeyEvents); one event per report. */
export const KeyEvent = {
  PRESSED: 0x01,
  LONGPRESS: 0x02,
  LONGPRESS_REPEAT: 0x04,
  RELEASE_FROM_LP: 0x08,
  RELEASE_FROM_SP: 0x10,
  CLICK: 0x20,
  DOUBLE_CLICK: 0x40,
  TRIPLE_CLICK: 0x80,
} as const
export type KeyEventName = keyof typeof KeyEvent

const KEY_EVENT_NAME = new Map<number, KeyEventName>((Object.keys(KeyEvent) as KeyEventName[]).map((k) => [KeyEvent[k], k]))

export interface KeyEventReport {
  keyId: number
  event: number
  /** Undefined for a code the SDK does not know (a future firmware). */
  name: KeyEventName | undefined
}

export function decodeKeyEvent(data: Uint8Array): KeyEventReport | undefined {
  if (data.length !== 2) return undefined
  return { keyId: data[0], event: data[1], name: KEY_EVENT_NAME.get(data[1]) }
}

export function encodeKeyEvent(keyId: number, event: number): Uint8Array {
  checkInt('keyId', keyId, 0, 255)
  checkInt('event', event, 0, 255)
  return new Payload().u8(keyId).u8(event).frame(BoardFunc.KEY)
}

// ---------------------------------------------------------------------------------------
// FUNC 7: IMU

/**
 * Units verified: accel in g and gyro in deg/s. The firmware's imu.c fills the report from
 * LibDriver's `mpu6050_basic_read(float g[3], float dps[3])`, and HiWonder's ROS node
 * publishes `linear_acceleration = ax * 9.80665` and `angular_velocity = radians(gx)`.
 * The decoder converts accel to m/s^2 so both profiles (hat MPU6050 and board) report
 * the same units; `raw` keeps the floats exactly as sent.
 */
export interface BoardImuSample {
  /** The six float32 values as sent: ax, ay, az (g), gx, gy, gz (deg/s). */
  raw: [number, number, number, number, number, number]
  /** m/s^2 */
  accel: [number, number, number]
  /** deg/s */
  gyro: [number, number, number]
}

export const BOARD_IMU_DATA_LEN = 24

export function decodeBoardImu(data: Uint8Array): BoardImuSample {
  checkLength('IMU payload', data, BOARD_IMU_DATA_LEN)
  const v = viewOf(data)
  const f = (i: number) => v.getFloat32(i * 4, true)
  const raw: BoardImuSample['raw'] = [f(0), f(1), f(2), f(3), f(4), f(5)]
  return {
    raw,
    accel: [raw[0] * STANDARD_GRAVITY, raw[1] * STANDARD_GRAVITY, raw[2] * STANDARD_GRAVITY],
    gyro: [raw[3], raw[4], raw[5]],
  }
}

/** Frame carrying six floats verbatim (ax, ay, az in g; gx, gy, gz in deg/s). */
export function encodeBoardImuRaw(values: readonly number[]): Uint8Array {
  checkInt('IMU value count', values.length, 6, 6)
  const p = new Payload()
  for (const x of values) {
    checkFinite('IMU value', x)
    p.f32(x)
  }
  return p.frame(BoardFunc.IMU)
}

/** Simulator side: takes the same units decodeBoardImu returns (m/s^2, deg/s). */
export function encodeBoardImu(sample: { accel: readonly number[]; gyro: readonly number[] }): Uint8Array {
  checkInt('accel length', sample.accel.length, 3, 3)
  checkInt('gyro length', sample.gyro.length, 3, 3)
  return encodeBoardImuRaw([
    sample.accel[0] / STANDARD_GRAVITY,
    sample.accel[1] / STANDARD_GRAVITY,
    sample.accel[2] / STANDARD_GRAVITY,
    sample.gyro[0],
    sample.gyro[1],
    sample.gyro[2],
  ])
}

// ---------------------------------------------------------------------------------------
// FUNC 10, 11: OLED text and RGB LEDs

/**
 * The firmware copies the text into `char oled_l1[24]` / `oled_l2[24]` and writes a NUL
 * after it, so more than 23 bytes would overrun the board's buffer. ASCII only: the SDK
 * sends len(text) in characters, which equals the byte count only for ASCII, and the
 * OLED font is ASCII anyway.
 */
export const OLED_MAX_TEXT = 23

export function encodeOledText(line: 1 | 2, text: string): Uint8Array {
  checkInt('line', line, 1, 2)
  if (!/^[\x20-\x7e]*$/.test(text)) throw new RangeError('OLED text must be printable ASCII')
  checkInt('OLED text length', text.length, 0, OLED_MAX_TEXT)
  const p = new Payload().u8(line).u8(text.length)
  for (let i = 0; i < text.length; i++) p.u8(text.charCodeAt(i))
  return p.frame(BoardFunc.OLED)
}

export interface RgbPixel {
  /** 1-based as in the SDK's set_rgb, which sends index - 1. */
  index: number
  r: number
  g: number
  b: number
}

export function encodeRgb(pixels: readonly RgbPixel[]): Uint8Array {
  checkInt('pixel count', pixels.length, 1, Math.floor((BOARD_MAX_DATA_LEN - 2) / 4))
  const p = new Payload().u8(0x01).u8(pixels.length)
  for (const px of pixels) {
    checkInt('index', px.index, 1, 256)
    checkInt('r', px.r, 0, 255)
    checkInt('g', px.g, 0, 255)
    checkInt('b', px.b, 0, 255)
    p.u8(px.index - 1)
      .u8(px.r)
      .u8(px.g)
      .u8(px.b)
  }
  return p.frame(BoardFunc.RGB)
}

// ---------------------------------------------------------------------------------------
// Streaming decoder

/**
 * Largest DATA each FUNC carries from board to host (firmware report sizes and the SDK's
 * unpack formats: SYS 3, KEY 2, IMU 24, BUS_SERVO 7, PWM_SERVO 4, GAMEPAD "<HB4b" = 7,
 * SBUS "<16hBBBB" = 36). The board never sends LED/BUZZER/MOTOR/OLED/RGB frames.
 * Passing this as `maxDataLen` lets the edge reject a corrupt LEN at once instead of
 * waiting up to 255 bytes for a CRC to fail.
 */
export const BOARD_INBOUND_MAX_DATA_LEN: readonly number[] = [3, 0, 0, 0, 4, 7, 2, 24, 7, 36, 0, 0]

export interface BoardDecoderOptions {
  /** Largest FUNC accepted (default BOARD_MAX_FUNC, as the SDK's receiver). */
  maxFunc?: number
  /** Per-FUNC limit on LEN; missing entries allow up to 255. Default: no limits. */
  maxDataLen?: readonly number[]
}

export interface BoardDecoderStats extends StreamStats {
  /** Candidates dropped because FUNC was above maxFunc. */
  unknownFunc: number
}

/**
 * Hunts 0xAA 0x55, checks FUNC and LEN, then the CRC. A rejected candidate drops exactly
 * one byte and the scan restarts right after it, so a real frame inside a candidate whose
 * corrupt LEN claimed the following bytes is still found: a bad LEN costs at most the wait
 * for 260 bytes, never the frames behind it.
 */
export class BoardFrameDecoder extends StreamDecoder<BoardFrame, BoardDecoderStats> {
  private readonly maxFunc: number
  private readonly maxData: Uint8Array

  constructor(options: BoardDecoderOptions = {}) {
    super(BOARD_MAX_FRAME_BYTES, {
      frames: 0,
      checksumErrors: 0,
      badLength: 0,
      unknownFunc: 0,
      discardedBytes: 0,
      bytesIn: 0,
    })
    const maxFunc = options.maxFunc ?? BOARD_MAX_FUNC
    checkInt('maxFunc', maxFunc, 0, 255)
    this.maxFunc = maxFunc
    this.maxData = new Uint8Array(256).fill(BOARD_MAX_DATA_LEN)
    const limits = options.maxDataLen ?? []
    for (let f = 0; f < limits.length && f < 256; f++) {
      checkInt(`maxDataLen[${f}]`, limits[f], 0, BOARD_MAX_DATA_LEN)
      this.maxData[f] = limits[f]
    }
  }

  protected parse(out: BoardFrame[]): void {
    const buf = this.buf
    const end = this.end
    const stats = this.stats
    const maxFunc = this.maxFunc
    const maxData = this.maxData
    let i = this.start
    while (i < end) {
      if (buf[i] !== BOARD_SYNC0) {
        let j = buf.indexOf(BOARD_SYNC0, i)
        // indexOf also sees stale bytes past `end`; those do not count.
        if (j < 0 || j > end) j = end
        stats.discardedBytes += j - i
        i = j
        if (i === end) break
      }
      if (i + 1 >= end) break
      if (buf[i + 1] !== BOARD_SYNC1) {
        stats.discardedBytes++
        i++
        continue
      }
      if (i + 2 >= end) break
      const func = buf[i + 2]
      if (func > maxFunc) {
        stats.unknownFunc++
        stats.discardedBytes++
        i++
        continue
      }
      if (i + 3 >= end) break
      const len = buf[i + 3]
      if (len > maxData[func]) {
        stats.badLength++
        stats.discardedBytes++
        i++
        continue
      }
      const last = i + 4 + len // index of CRC
      if (last >= end) break
      if (crc8Maxim(buf, i + 2, last) !== buf[last]) {
        stats.checksumErrors++
        stats.discardedBytes++
        i++
        continue
      }
      out.push({ func, data: buf.slice(i + 4, last), offset: this.base + i })
      stats.frames++
      i = last + 1
    }
    this.start = i
  }
}
