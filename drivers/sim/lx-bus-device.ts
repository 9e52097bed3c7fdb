// The simulated LX servo bus (TonyPi `tonypi-hat` profile): sixteen HiWonder bus servos sharing one
// half-duplex wire at 115200 baud, answering the exact bytes real ones would (HARDWARE.md
// section 1), with the physics model (model.ts) behind every reading and every move.
//
// Two layers. LxServoBank is what the servos themselves do with a decoded command (which servos a
// frame addresses, what each one stores, what it answers); the STM32 board simulator reuses it,
// because that board only relays the same commands to the same servos. SimulatedLxBus puts the
// bank on the wire: decoding the host's bytes, the servo's turnaround and the wire time of its
// reply, collisions when the host talks over a reply.
//
// Timing, as the host sees it: a request's bytes occupy the wire from when they reach the pty, one
// byte per 10 bit times, queued behind the host's earlier bytes; the servo acts when the last one
// is in, replies turnaroundMs later, and each reply byte is readable once its stop bit is done. A
// host that sends before a reply is over collides with it: the overlapping bytes turn into 0x00
// on both sides (see WireDeviceOptions.halfDuplex), so the reply fails its checksum and the new
// request is lost, as on a real bus.
//
// What real servos do that is modelled: broadcast id 254 (every servo obeys, none replies except
// to ID_READ); several servos answering at once (a broadcast ID_READ with 16 servos on the bus,
// or two servos renamed to the same id) garble each other; a silent servo neither hears nor
// answers. Angle offsets shift the servo's own frame: the model holds the physical horn angle,
// reads and moves are offset-adjusted. Not modelled: motor mode rotation (stored and read back
// only), over-temperature unloading, and persistence across power cycles (there are none).

import {
  LX_BROADCAST_ID,
  LX_LIMITS,
  LX_MAX_SERVO_ID,
  LX_REPLY_PARAM_COUNT,
  LxCmd,
  LxFrameDecoder,
  encodeLxFrame,
  encodeLxReply,
  type LxReply,
} from '../codecs/index.ts'
import type { SimulatedTonyPi } from './model.ts'
import { SimFaults } from './faults.ts'
import { WireDevice, pushBounded } from './wire.ts'
import { SimulatedHatBuffer, type HatWiring } from './hat-buffer.ts'

export const LX_DEFAULT_BAUD = 115200
/**
 * Time from the request's stop bit to the reply's start bit. HARDWARE.md only says "a fraction
 * of a millisecond"; 0.3 ms is within what LX-16A owners measure, and is configurable.
 */
export const LX_DEFAULT_TURNAROUND_MS = 0.3

/** The LX-16A's factory settings (its protocol document's defaults). */
const FACTORY = {
  vinLimitMv: { min: 4500, max: 12000 },
  tempLimitC: 85,
  /** LED_ERROR: assumed all three faults flash the LED; the document does not give the default. */
  ledErrorBits: 0x07,
} as const

/** Parameter count of each write command; a frame with any other count is ignored. */
const WRITE_PARAMS: Readonly<Record<number, number>> = {
  [LxCmd.MOVE_TIME_WRITE]: 4,
  [LxCmd.MOVE_TIME_WAIT_WRITE]: 4,
  [LxCmd.MOVE_START]: 0,
  [LxCmd.MOVE_STOP]: 0,
  [LxCmd.ID_WRITE]: 1,
  [LxCmd.ANGLE_OFFSET_ADJUST]: 1,
  [LxCmd.ANGLE_OFFSET_WRITE]: 0,
  [LxCmd.ANGLE_LIMIT_WRITE]: 4,
  [LxCmd.VIN_LIMIT_WRITE]: 4,
  [LxCmd.TEMP_MAX_LIMIT_WRITE]: 1,
  [LxCmd.OR_MOTOR_MODE_WRITE]: 4,
  [LxCmd.LOAD_OR_UNLOAD_WRITE]: 1,
  [LxCmd.LED_CTRL_WRITE]: 1,
  [LxCmd.LED_ERROR_WRITE]: 1,
}

/** What one servo keeps besides the physics the model owns (position, heat, torque). */
export interface LxServoState {
  /** The id in the model, fixed: the physical servo. */
  readonly modelId: number
  /** The id it answers to on the bus; ID_WRITE changes it. */
  busId: number
  /** ANGLE_OFFSET_ADJUST, in position units; physical = logical + offset. */
  offset: number
  /** ANGLE_OFFSET_WRITE stores the offset; kept to show a save happened. */
  savedOffset: number
  angleLimit: { min: number; max: number }
  vinLimitMv: { min: number; max: number }
  tempLimitC: number
  /** LED_CTRL: the wire value is inverted (0 = on). */
  ledOn: boolean
  ledErrorBits: number
  motorMode: number
  motorSpeed: number
  /** The last move this servo was given (what MOVE_TIME_READ reports), logical units. */
  lastMove: { pos: number; timeMs: number }
  /** MOVE_TIME_WAIT_WRITE, waiting for MOVE_START. */
  pendingMove: { pos: number; timeMs: number } | null
}

/** A command as the servos see it; LxFrame satisfies it. */
export interface LxCommand {
  id: number
  cmd: number
  params: Uint8Array
}

const u16 = (p: Uint8Array, i: number) => p[i] | (p[i + 1] << 8)
const i16 = (p: Uint8Array, i: number) => (u16(p, i) << 16) >> 16
const i8 = (b: number) => (b << 24) >> 24
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** True for a read request (a read command without parameters; a reply carries some). */
export function isLxReadRequest(c: LxCommand): boolean {
  return LX_REPLY_PARAM_COUNT[c.cmd] !== undefined && c.params.length === 0
}

export class LxServoBank {
  readonly model: SimulatedTonyPi
  readonly faults: SimFaults
  private readonly servos: LxServoState[]

  constructor(model: SimulatedTonyPi, faults: SimFaults) {
    this.model = model
    this.faults = faults
    this.servos = model.servoIds.map((id) => {
      const pos = Math.round(model.positionOf(id))
      return {
        modelId: id,
        busId: id,
        offset: 0,
        savedOffset: 0,
        angleLimit: { min: LX_LIMITS.position.min, max: LX_LIMITS.position.max },
        vinLimitMv: { ...FACTORY.vinLimitMv },
        tempLimitC: FACTORY.tempLimitC,
        ledOn: true,
        ledErrorBits: FACTORY.ledErrorBits,
        motorMode: 0,
        motorSpeed: 0,
        lastMove: { pos, timeMs: 0 },
        pendingMove: null,
      }
    })
  }

  /** The state of the physical servo `modelId` (for tests and diagnostics). */
  servo(modelId: number): LxServoState {
    const s = this.servos.find((x) => x.modelId === modelId)
    if (!s) throw new RangeError(`no servo with model id ${modelId}`)
    return s
  }

  /** The servos that hear a frame sent to `id` (every one for broadcast), minus silent ones. */
  addressed(id: number): LxServoState[] {
    return this.servos.filter((s) => (id === LX_BROADCAST_ID || s.busId === id) && !this.faults.isSilent(s.modelId) && !this.model.isSilent(s.modelId))
  }

  /**
   * Carry out one command at atMs (when its last byte arrived). Returns the replies of every
   * servo that answers: none for writes and broadcast reads, one per addressed servo otherwise.
   */
  execute(c: LxCommand, atMs: number): LxReply[] {
    this.model.step(atMs)
    const targets = this.addressed(c.id)
    if (isLxReadRequest(c)) {
      if (c.id === LX_BROADCAST_ID && c.cmd !== LxCmd.ID_READ) return []
      return targets.map((s) => this.answer(s, c.cmd))
    }
    if (WRITE_PARAMS[c.cmd] !== c.params.length) return []
    for (const s of targets) this.apply(s, c, atMs)
    return []
  }

  private apply(s: LxServoState, c: LxCommand, atMs: number): void {
    const p = c.params
    const ids = [s.modelId]
    switch (c.cmd) {
      case LxCmd.MOVE_TIME_WRITE:
        this.move(s, u16(p, 0), u16(p, 2), atMs)
        break
      case LxCmd.MOVE_TIME_WAIT_WRITE:
        s.pendingMove = this.limited(s, u16(p, 0), u16(p, 2))
        break
      case LxCmd.MOVE_START:
        if (s.pendingMove) this.move(s, s.pendingMove.pos, s.pendingMove.timeMs, atMs)
        s.pendingMove = null
        break
      case LxCmd.MOVE_STOP:
        this.model.stop(ids, atMs)
        break
      case LxCmd.ID_WRITE:
        if (p[0] <= LX_MAX_SERVO_ID) s.busId = p[0]
        break
      case LxCmd.ANGLE_OFFSET_ADJUST: {
        const next = clamp(i8(p[0]), LX_LIMITS.offset.min, LX_LIMITS.offset.max)
        const delta = next - s.offset
        s.offset = next
        // The servo keeps holding the same logical target, so its horn visibly shifts: that is
        // how an offset is tuned by eye.
        if (delta !== 0 && this.model.isTorqueOn(s.modelId)) {
          this.model.move([{ id: s.modelId, position: this.model.positionOf(s.modelId) + delta }], 0, atMs)
        }
        break
      }
      case LxCmd.ANGLE_OFFSET_WRITE:
        s.savedOffset = s.offset
        break
      case LxCmd.ANGLE_LIMIT_WRITE: {
        const min = u16(p, 0)
        const max = u16(p, 2)
        if (min < max && max <= LX_LIMITS.position.max) s.angleLimit = { min, max }
        break
      }
      case LxCmd.VIN_LIMIT_WRITE: {
        const min = u16(p, 0)
        const max = u16(p, 2)
        if (min < max && min >= LX_LIMITS.vinMv.min && max <= LX_LIMITS.vinMv.max) s.vinLimitMv = { min, max }
        break
      }
      case LxCmd.TEMP_MAX_LIMIT_WRITE:
        if (p[0] >= LX_LIMITS.tempLimitC.min && p[0] <= LX_LIMITS.tempLimitC.max) s.tempLimitC = p[0]
        break
      case LxCmd.OR_MOTOR_MODE_WRITE:
        s.motorMode = p[0] === 1 ? 1 : 0
        s.motorSpeed = clamp(i16(p, 2), LX_LIMITS.motorSpeed.min, LX_LIMITS.motorSpeed.max)
        break
      case LxCmd.LOAD_OR_UNLOAD_WRITE:
        this.model.setTorque(ids, p[0] !== 0, atMs)
        break
      case LxCmd.LED_CTRL_WRITE:
        s.ledOn = p[0] === 0
        break
      case LxCmd.LED_ERROR_WRITE:
        s.ledErrorBits = p[0] & 0x07
        break
    }
  }

  /** A servo clamps targets to its angle limits and times to the protocol's range. */
  private limited(s: LxServoState, pos: number, timeMs: number): { pos: number; timeMs: number } {
    return { pos: clamp(pos, s.angleLimit.min, s.angleLimit.max), timeMs: clamp(timeMs, 0, LX_LIMITS.timeMs.max) }
  }

  private move(s: LxServoState, pos: number, timeMs: number, atMs: number): void {
    const m = this.limited(s, pos, timeMs)
    s.lastMove = m
    this.model.move([{ id: s.modelId, position: m.pos + s.offset }], m.timeMs, atMs)
  }

  private answer(s: LxServoState, cmd: number): LxReply {
    const id = s.busId
    const m = this.model
    switch (cmd) {
      case LxCmd.MOVE_TIME_READ:
        return { kind: 'MOVE_TIME_READ', id, pos: s.lastMove.pos, timeMs: s.lastMove.timeMs }
      case LxCmd.MOVE_TIME_WAIT_READ: {
        const w = s.pendingMove ?? s.lastMove
        return { kind: 'MOVE_TIME_WAIT_READ', id, pos: w.pos, timeMs: w.timeMs }
      }
      case LxCmd.ID_READ:
        return { kind: 'ID_READ', id, servoId: s.busId }
      case LxCmd.ANGLE_OFFSET_READ:
        return { kind: 'ANGLE_OFFSET_READ', id, offset: s.offset }
      case LxCmd.ANGLE_LIMIT_READ:
        return { kind: 'ANGLE_LIMIT_READ', id, min: s.angleLimit.min, max: s.angleLimit.max }
      case LxCmd.VIN_LIMIT_READ:
        return { kind: 'VIN_LIMIT_READ', id, minMv: s.vinLimitMv.min, maxMv: s.vinLimitMv.max }
      case LxCmd.TEMP_MAX_LIMIT_READ:
        return { kind: 'TEMP_MAX_LIMIT_READ', id, limitC: s.tempLimitC }
      case LxCmd.TEMP_READ:
        return { kind: 'TEMP_READ', id, tempC: clamp(m.readTemperature(s.modelId), 0, 255) }
      case LxCmd.VIN_READ:
        return { kind: 'VIN_READ', id, mv: clamp(m.readVoltage(s.modelId), 0, 65535) }
      case LxCmd.POS_READ:
        return { kind: 'POS_READ', id, pos: clamp(m.readPosition(s.modelId) - s.offset, -32768, 32767) }
      case LxCmd.OR_MOTOR_MODE_READ:
        return { kind: 'OR_MOTOR_MODE_READ', id, mode: s.motorMode, speed: s.motorSpeed }
      case LxCmd.LOAD_OR_UNLOAD_READ:
        return { kind: 'LOAD_OR_UNLOAD_READ', id, torque: m.isTorqueOn(s.modelId) }
      case LxCmd.LED_CTRL_READ:
        return { kind: 'LED_CTRL_READ', id, ledOn: s.ledOn }
      case LxCmd.LED_ERROR_READ:
        return {
          kind: 'LED_ERROR_READ',
          id,
          bits: s.ledErrorBits,
          overTemp: (s.ledErrorBits & 1) !== 0,
          overVoltage: (s.ledErrorBits & 2) !== 0,
          stalled: (s.ledErrorBits & 4) !== 0,
        }
      default:
        throw new RangeError(`not a read command: ${cmd}`)
    }
  }
}

/**
 * Several servos driving the wire at once. The line idles high and a driven 0 wins, so the
 * receiver sees roughly the AND of the frames; the checksum then fails, as a real scan with
 * many servos answering a broadcast ID_READ shows.
 */
export function wiredAnd(frames: readonly Uint8Array[]): Uint8Array {
  const n = Math.max(...frames.map((f) => f.length))
  const out = new Uint8Array(n).fill(0xff)
  for (const f of frames) for (let i = 0; i < n; i++) out[i] &= i < f.length ? f[i] : 0xff
  return out
}

export interface SimulatedLxBusOptions {
  model: SimulatedTonyPi
  faults?: SimFaults
  /** Default 115200, the LX servos' fixed rate. */
  baud?: number
  turnaroundMs?: number
  /**
   * Hear the host's own bytes back (default false). On the hat the direction buffer disables
   * the Pi's receiver while it transmits, so the edge never sees its requests.
   */
  echo?: boolean
  /** How many received frames `received` keeps. Default 10,000. */
  maxRecorded?: number
  /**
   * The hat's direction buffer and the GPIO lines it is wired to (hat-buffer.ts). Without it
   * the host's bytes always reach the servos and theirs always reach the host, as on a pty.
   */
  hat?: HatWiring
}

/** A valid frame the bus received, exactly as it arrived. */
export interface LxReceivedFrame {
  atMs: number
  id: number
  cmd: number
  params: Uint8Array
  bytes: Uint8Array
}

export class SimulatedLxBus extends WireDevice {
  readonly model: SimulatedTonyPi
  readonly servos: LxServoBank
  readonly turnaroundMs: number
  /** Every valid frame heard, oldest first (bounded), so tests can check commands byte for byte. */
  readonly received: LxReceivedFrame[] = []
  /** Replies that several servos sent at once (garbled on the wire). */
  multiReplies = 0
  private readonly decoder = new LxFrameDecoder()
  private readonly maxRecorded: number

  constructor(opts: SimulatedLxBusOptions) {
    const faults = opts.faults ?? new SimFaults()
    super({ baud: opts.baud ?? LX_DEFAULT_BAUD, faults, halfDuplex: true, echo: opts.echo ?? false, gate: opts.hat && new SimulatedHatBuffer(opts.hat) })
    this.model = opts.model
    this.servos = new LxServoBank(opts.model, faults)
    this.turnaroundMs = opts.turnaroundMs ?? LX_DEFAULT_TURNAROUND_MS
    this.maxRecorded = opts.maxRecorded ?? 10_000
  }

  /** The servos' decoder: frames, checksum errors and garbage on the host-to-servo direction. */
  get decoderStats(): LxFrameDecoder['stats'] {
    return this.decoder.stats
  }

  protected override onHostByte(value: number, endMs: number): void {
    for (const f of this.decoder.push(Uint8Array.of(value))) {
      pushBounded(this.received, { atMs: endMs, id: f.id, cmd: f.cmd, params: f.params, bytes: encodeLxFrame(f.id, f.cmd, f.params) }, this.maxRecorded)
      const replies = this.servos.execute(f, endMs)
      if (replies.length === 0) continue
      const frames = replies.map(encodeLxReply)
      if (frames.length > 1) this.multiReplies++
      this.transmit(frames.length === 1 ? frames[0] : wiredAnd(frames), endMs + this.turnaroundMs)
    }
  }

  protected override resetProtocol(): void {
    this.decoder.reset()
  }
}
