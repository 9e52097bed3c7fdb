// The simulated STM32 robot-controller board (TonyPi `tonypi-board` profile), speaking its packet
// protocol (HARDWARE.md section 2, codecs/board.ts) at 1,000,000 baud, with the physics model
// behind it.
//
// What the firmware does, and so what this does (HiWonder's packet_handle.c and
// serial_servo_porting.c, as published in copies of the RRC firmware):
//  - The board is not the servos: it relays each bus-servo sub-command as ordinary LX frames on its
//    own servo bus, one at a time, at the servos' 115200 baud, and waits for each to finish. A
//    read therefore costs the LX round trip (1.22 ms + turnaround) however fast the link to the
//    Pi is, and commands queue behind each other on that internal bus. The LX servos behind it
//    are the very same LxServoBank the hat simulator uses.
//  - A read always gets a report: `id, sub, status, value`, status 0 when the servo answered and
//    -1 with a zero value when it did not within the firmware's proc_timeout (5 ticks of 1 ms).
//    So a silent servo shows up as a failed report 5 ms later, never as silence.
//  - It streams by itself: IMU packets (function 7) and a battery report (function 0, sub 0x04)
//    about once a second. The IMU floats are in g and deg/s (the firmware fills them from
//    LibDriver's mpu6050_basic_read), in the board's own axes: HiWonder's Pi 5 code computes the
//    fall angle as atan2(ax, az), so the board's x points up where the model's y does. The model's
//    (x, y, z) maps to the board's (y, -x, z), a rotation about z that keeps the frame right-handed.
//  - Bus-servo sub 0x0B unloads (torque off) and 0x0C loads (torque on); HARDWARE.md's table has
//    the two swapped (see BusServoSub in codecs/board.ts for the firmware evidence).
// The link itself is full duplex (separate TX and RX lines), so unlike the LX bus nothing collides.

import {
  BoardFrameDecoder,
  BoardFunc,
  BusServoSub,
  LxCmd,
  SysSub,
  encodeBatteryReport,
  encodeBoardFrame,
  encodeBoardImu,
  encodeBusServoReply,
  encodeKeyEvent,
  encodeLxFrame,
  encodeLxReply,
  type BusServoReadName,
  type BusServoReplyValues,
  type LxReply,
} from '../codecs/index.ts'
import type { SimulatedTonyPi } from './model.ts'
import { SimFaults } from './faults.ts'
import { LxServoBank, LX_DEFAULT_BAUD, LX_DEFAULT_TURNAROUND_MS, type LxCommand } from './lx-bus-device.ts'
import { WireDevice, byteTimeMs, pushBounded } from './wire.ts'

export const BOARD_DEFAULT_BAUD = 1_000_000
export const BOARD_DEFAULT_IMU_HZ = 100
export const BOARD_DEFAULT_BATTERY_PERIOD_MS = 1000
/** serial_servo_init: `proc_timeout = 5`, in FreeRTOS ticks of 1 ms. */
export const BOARD_SERVO_TIMEOUT_MS = 5

export interface SimulatedBoardOptions {
  model: SimulatedTonyPi
  faults?: SimFaults
  /** Pi <-> board link. Default 1,000,000. */
  baud?: number
  /** IMU packets per second; 0 turns the stream off. Default 100. */
  imuHz?: number
  /** Battery report period; 0 turns it off. Default 1000 ms. */
  batteryPeriodMs?: number
  /** The board's own servo bus. Default 115200 (the LX servos' rate). */
  servoBaud?: number
  servoTurnaroundMs?: number
  /** How long the board waits for a servo before reporting failure. Default 5 ms. */
  servoTimeoutMs?: number
  /** How many received frames `received` keeps. Default 10,000. */
  maxRecorded?: number
}

/** A valid frame the board received, exactly as it arrived. */
export interface BoardReceivedFrame {
  atMs: number
  func: number
  data: Uint8Array
  bytes: Uint8Array
}

/** Which LX read answers each bus-servo read sub-command, and how its value carries over. */
const READS: { [K in BusServoReadName]: { cmd: number; value: (r: LxReply) => BusServoReplyValues[K]; zero: BusServoReplyValues[K] } } = {
  READ_POSITION: { cmd: LxCmd.POS_READ, value: (r) => ({ position: r.kind === 'POS_READ' ? r.pos : 0 }), zero: { position: 0 } },
  READ_VOLTAGE: { cmd: LxCmd.VIN_READ, value: (r) => ({ mv: r.kind === 'VIN_READ' ? r.mv : 0 }), zero: { mv: 0 } },
  READ_TEMP: { cmd: LxCmd.TEMP_READ, value: (r) => ({ tempC: r.kind === 'TEMP_READ' ? r.tempC : 0 }), zero: { tempC: 0 } },
  READ_TORQUE: {
    cmd: LxCmd.LOAD_OR_UNLOAD_READ,
    value: (r) => ({ torque: r.kind === 'LOAD_OR_UNLOAD_READ' && r.torque }),
    zero: { torque: false },
  },
  READ_ID: { cmd: LxCmd.ID_READ, value: (r) => ({ servoId: r.kind === 'ID_READ' ? r.servoId : 0 }), zero: { servoId: 0 } },
  READ_OFFSET: {
    cmd: LxCmd.ANGLE_OFFSET_READ,
    value: (r) => ({ offset: r.kind === 'ANGLE_OFFSET_READ' ? r.offset : 0 }),
    zero: { offset: 0 },
  },
  READ_ANGLE_LIMIT: {
    cmd: LxCmd.ANGLE_LIMIT_READ,
    value: (r) => (r.kind === 'ANGLE_LIMIT_READ' ? { min: r.min, max: r.max } : { min: 0, max: 0 }),
    zero: { min: 0, max: 0 },
  },
  READ_VIN_LIMIT: {
    cmd: LxCmd.VIN_LIMIT_READ,
    value: (r) => (r.kind === 'VIN_LIMIT_READ' ? { minMv: r.minMv, maxMv: r.maxMv } : { minMv: 0, maxMv: 0 }),
    zero: { minMv: 0, maxMv: 0 },
  },
  READ_TEMP_LIMIT: {
    cmd: LxCmd.TEMP_MAX_LIMIT_READ,
    value: (r) => ({ limitC: r.kind === 'TEMP_MAX_LIMIT_READ' ? r.limitC : 0 }),
    zero: { limitC: 0 },
  },
}

const READ_BY_SUB = new Map<number, BusServoReadName>((Object.keys(READS) as BusServoReadName[]).map((k) => [BusServoSub[k], k]))

const u16 = (d: Uint8Array, i: number) => d[i] | (d[i + 1] << 8)

export class SimulatedBoard extends WireDevice {
  readonly model: SimulatedTonyPi
  readonly servos: LxServoBank
  /** Every valid frame received, oldest first (bounded): LED, buzzer, OLED... as exact bytes. */
  readonly received: BoardReceivedFrame[] = []
  /** The low-battery alarm threshold the host set (function 0, sub 0x01), if any. */
  batteryAlarmMv: number | null = null
  readonly imuPeriodMs: number | null
  readonly batteryPeriodMs: number | null
  private readonly servoByteMs: number
  private readonly servoTurnaroundMs: number
  private readonly servoTimeoutMs: number
  private readonly maxRecorded: number
  private readonly decoder = new BoardFrameDecoder()
  private servoBusFreeAt = -Infinity
  private nextImuAt: number | null = null
  private nextBatteryAt: number | null = null
  private started = false

  constructor(opts: SimulatedBoardOptions) {
    const faults = opts.faults ?? new SimFaults()
    super({ baud: opts.baud ?? BOARD_DEFAULT_BAUD, faults, halfDuplex: false })
    this.model = opts.model
    this.servos = new LxServoBank(opts.model, faults)
    const hz = opts.imuHz ?? BOARD_DEFAULT_IMU_HZ
    this.imuPeriodMs = hz > 0 ? 1000 / hz : null
    const bat = opts.batteryPeriodMs ?? BOARD_DEFAULT_BATTERY_PERIOD_MS
    this.batteryPeriodMs = bat > 0 ? bat : null
    this.servoByteMs = byteTimeMs(opts.servoBaud ?? LX_DEFAULT_BAUD)
    this.servoTurnaroundMs = opts.servoTurnaroundMs ?? LX_DEFAULT_TURNAROUND_MS
    this.servoTimeoutMs = opts.servoTimeoutMs ?? BOARD_SERVO_TIMEOUT_MS
    this.maxRecorded = opts.maxRecorded ?? 10_000
  }

  get decoderStats(): BoardFrameDecoder['stats'] {
    return this.decoder.stats
  }

  /** Received frames of one function, e.g. framesOf(BoardFunc.BUZZER). */
  framesOf(func: number): BoardReceivedFrame[] {
    return this.received.filter((f) => f.func === func)
  }

  /** A button on the board was used: report it as the firmware does (function 6). */
  pressKey(keyId: number, event: number, atMs: number): void {
    this.transmit(encodeKeyEvent(keyId, event), atMs)
  }

  /**
   * The IMU packet the board would send now: model axes (y up, m/s^2) turned into the board's
   * (x up); encodeBoardImu then writes g.
   */
  imuFrame(): Uint8Array {
    const { accel, gyro } = this.model.readImu()
    return encodeBoardImu({
      accel: [accel[1], -accel[0], accel[2]],
      gyro: [gyro[1], -gyro[0], gyro[2]],
    })
  }

  protected override onHostByte(value: number, endMs: number): void {
    for (const f of this.decoder.push(Uint8Array.of(value))) {
      pushBounded(this.received, { atMs: endMs, func: f.func, data: f.data, bytes: encodeBoardFrame(f.func, f.data) }, this.maxRecorded)
      if (f.func === BoardFunc.BUS_SERVO) this.busServo(f.data, endMs)
      else if (f.func === BoardFunc.SYS && f.data.length >= 3 && f.data[0] === SysSub.SET_BATTERY_ALARM) {
        this.batteryAlarmMv = u16(f.data, 1)
      }
    }
  }

  protected override onTick(nowMs: number): void {
    if (!this.started) {
      // Streams start when something first looks at the board, not at construction: a device
      // built long before it is served must not owe a backlog of packets.
      this.started = true
      if (this.imuPeriodMs !== null) this.nextImuAt = nowMs
      if (this.batteryPeriodMs !== null) this.nextBatteryAt = nowMs
    }
    if (this.nextImuAt !== null && this.imuPeriodMs !== null && this.nextImuAt <= nowMs) {
      this.model.step(this.nextImuAt)
      this.transmit(this.imuFrame(), this.nextImuAt)
      this.nextImuAt = nextSlot(this.nextImuAt, this.imuPeriodMs, nowMs)
    }
    if (this.nextBatteryAt !== null && this.batteryPeriodMs !== null && this.nextBatteryAt <= nowMs) {
      this.model.step(this.nextBatteryAt)
      this.transmit(encodeBatteryReport(Math.min(65535, this.model.readBattery().voltageMv)), this.nextBatteryAt)
      this.nextBatteryAt = nextSlot(this.nextBatteryAt, this.batteryPeriodMs, nowMs)
    }
  }

  protected override nextTickMs(): number | null {
    if (!this.started) return this.imuPeriodMs !== null || this.batteryPeriodMs !== null ? -Infinity : null
    if (this.nextImuAt === null) return this.nextBatteryAt
    if (this.nextBatteryAt === null) return this.nextImuAt
    return Math.min(this.nextImuAt, this.nextBatteryAt)
  }

  protected override resetProtocol(): void {
    this.decoder.reset()
    this.servoBusFreeAt = -Infinity
  }

  // --- Function 5: bus servos, relayed as LX frames on the board's own servo bus ----------------

  private busServo(d: Uint8Array, atMs: number): void {
    if (d.length < 2) return
    const sub = d[0]
    const read = READ_BY_SUB.get(sub)
    if (read !== undefined) {
      this.relayRead(read, d[1], atMs)
      return
    }
    const frames: LxCommand[] = []
    const lx = (id: number, cmd: number, params: number[] = []) => frames.push({ id, cmd, params: Uint8Array.from(params) })
    switch (sub) {
      case BusServoSub.SET_POSITIONS: {
        if (d.length < 4) return
        const dur = u16(d, 1)
        const n = d[3]
        if (d.length < 4 + 3 * n) return
        for (let i = 0; i < n; i++) {
          const o = 4 + 3 * i
          // serial_servo_set_position clamps to 0..1000 before building the frame.
          const pos = Math.min(1000, u16(d, o + 1))
          lx(d[o], LxCmd.MOVE_TIME_WRITE, [pos & 0xff, pos >> 8, dur & 0xff, dur >> 8])
        }
        break
      }
      case BusServoSub.STOP: {
        const n = d[1]
        if (d.length < 2 + n) return
        for (let i = 0; i < n; i++) lx(d[2 + i], LxCmd.MOVE_STOP)
        break
      }
      case BusServoSub.TORQUE_OFF:
        lx(d[1], LxCmd.LOAD_OR_UNLOAD_WRITE, [0])
        break
      case BusServoSub.TORQUE_ON:
        lx(d[1], LxCmd.LOAD_OR_UNLOAD_WRITE, [1])
        break
      case BusServoSub.SET_ID:
        if (d.length >= 3) lx(d[1], LxCmd.ID_WRITE, [d[2]])
        break
      case BusServoSub.SET_OFFSET:
        if (d.length >= 3) {
          // serial_servo_set_deviation clamps to +-125.
          const off = Math.max(-125, Math.min(125, (d[2] << 24) >> 24))
          lx(d[1], LxCmd.ANGLE_OFFSET_ADJUST, [off & 0xff])
        }
        break
      case BusServoSub.SAVE_OFFSET:
        lx(d[1], LxCmd.ANGLE_OFFSET_WRITE)
        break
      case BusServoSub.SET_ANGLE_LIMIT:
        if (d.length >= 6) lx(d[1], LxCmd.ANGLE_LIMIT_WRITE, [d[2], d[3], d[4], d[5]])
        break
      case BusServoSub.SET_VIN_LIMIT:
        if (d.length >= 6) lx(d[1], LxCmd.VIN_LIMIT_WRITE, [d[2], d[3], d[4], d[5]])
        break
      case BusServoSub.SET_TEMP_LIMIT:
        if (d.length >= 3) lx(d[1], LxCmd.TEMP_MAX_LIMIT_WRITE, [d[2]])
        break
      default:
        return
    }
    // Each frame reaches the servos when its last byte is out on the servo bus.
    let t = Math.max(atMs, this.servoBusFreeAt)
    for (const c of frames) {
      t += encodeLxFrame(c.id, c.cmd, c.params).length * this.servoByteMs
      this.servos.execute(c, t)
    }
    this.servoBusFreeAt = t
  }

  private relayRead(kind: BusServoReadName, id: number, atMs: number): void {
    const spec = READS[kind]
    const request: LxCommand = { id, cmd: spec.cmd, params: new Uint8Array(0) }
    const sentAt = Math.max(atMs, this.servoBusFreeAt) + encodeLxFrame(id, spec.cmd).length * this.servoByteMs
    const replies = this.servos.execute(request, sentAt)
    // Several servos answering garble each other: the firmware's checksum check fails and it waits
    // out its timeout, exactly as for no answer.
    const ok = replies.length === 1
    const doneAt = ok ? sentAt + this.servoTurnaroundMs + encodeLxReply(replies[0]).length * this.servoByteMs : sentAt + this.servoTimeoutMs
    this.servoBusFreeAt = doneAt
    const value = ok ? spec.value(replies[0]) : spec.zero
    const report = encodeBusServoReply({ kind, id, status: ok ? 0 : -1, ...value } as Parameters<typeof encodeBusServoReply>[0])
    this.transmit(report, doneAt)
  }
}

/** The next period boundary after nowMs: a stalled driver skips packets rather than bursting them. */
function nextSlot(prev: number, period: number, nowMs: number): number {
  const next = prev + period
  return next > nowMs ? next : nowMs + period - ((nowMs - prev) % period)
}
