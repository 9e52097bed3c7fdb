// Physics of a simulated TonyPi: 16 LX bus servos, the MPU6050 and the battery, as one pure,
// deterministic object. It does no I/O and never reads a clock: every call carries the time
// (epoch ms), so the same seed and call sequence always give the same readings. The byte-level
// simulators (LX bus, STM32 board) and the edge's "sim" profile all sit in front of this model.

import { TONYPI_STAND_POSE } from '../../core/tonypi-servos.ts'
import { DEGREES_PER_UNIT, GRAVITY, POSITION_MAX, POSITION_MIN, cellsOf } from '../../core/units.ts'
import type { BatteryPack } from '../../core/units.ts'
import { Prng } from './prng.ts'

export type Vec3 = [number, number, number]

export interface SimulatedTonyPiOptions {
  /** Seed of every random draw (sensor noise, per-servo quirks). Default 1. */
  seed?: number
  /** Bus ids of the servos present. Default 1..16. */
  servoIds?: number[]
  /** Battery pack: 2S (6.0..8.4 V) or 3S (9.0..12.6 V). Default 2S. */
  pack?: BatteryPack
  /** Pack capacity in mAh. Default 2000, TonyPi's stock 2S pack. */
  capacityMah?: number
  /** Room temperature in C; servos cool toward it. Default 25. */
  ambientC?: number
  /** Epoch ms at which the model starts. Default 0. */
  startMs?: number
  /** Start positions, one per entry of servoIds. Default: HiWonder's stand pose (500 for ids beyond 16). */
  initialPose?: number[]
}

export interface ImuReading {
  /** Specific force in m/s^2, sensor axes: y points up when the robot stands. */
  accel: Vec3
  /** Angular rate in deg/s, sensor axes. */
  gyro: Vec3
  tempC: number
}

/** Body attitude in degrees; the same convention as core/units.ts attitudeFromAccel. */
export interface Attitude {
  /** Sideways tilt; positive when gravity's reaction leans toward the sensor's +x. */
  rollDeg: number
  /** Positive tipping forward (onto the front), negative backward; +-90 is lying flat. */
  pitchDeg: number
}

// --- Integration ---------------------------------------------------------------------------

/**
 * Slow state (heat, charge) advances on a fixed 10 ms grid anchored at startMs. Because the grid
 * never depends on when step() is called, stepping every 10 ms and one big step give the very
 * same numbers; positions and attitude are closed-form in time and need no grid.
 */
export const SUBSTEP_MS = 10

// --- Servo motion --------------------------------------------------------------------------

/**
 * LX bus servos turn at about 0.2 s per 60 degrees unloaded: 60 / 0.24 = 250 units in 200 ms.
 * A move shorter than that is stretched, as the real servo simply arrives late.
 */
export const MAX_SPEED_UNITS_PER_MS = 60 / DEGREES_PER_UNIT / 200

// --- Heat ----------------------------------------------------------------------------------
// First-order thermal model: each servo relaxes exponentially toward an equilibrium that sits
// above ambient by the heat it is dissipating. Small servos in plastic cases cool in minutes.
const THERMAL_TAU_MS = 180_000
/** Holding a pose under load settles a few degrees over ambient. */
const HOLD_RISE_C = 4
/** Extra equilibrium rise at full speed: continuous brisk motion (walking) settles near 50-60 C. */
const MOTION_RISE_C = 45

// --- Electrical ----------------------------------------------------------------------------
/** Pi, hat/board, camera: drawn whatever the servos do. */
const BASE_CURRENT_A = 0.3
/** Per servo with torque on, holding its pose against the robot's weight. */
const HOLD_CURRENT_A = 0.02
/** Per moving servo, on top of holding: a floor for any motion, plus a share growing with speed. */
const MOVE_CURRENT_A = 0.06
const MOVE_CURRENT_PER_SPEED_A = 0.25
/** Pack internal resistance per cell (small Li-ion cells, tens of milliohms each). */
const CELL_RESISTANCE_OHM = 0.04
/** Wiring, connectors and the hat's traces between the pack and the servo bus. */
const BUS_RESISTANCE_OHM = 0.1

/**
 * Resting Li-ion cell voltage against state of charge: the same points as core/units.ts's
 * reading curve (there stated voltage -> percent), so that the edge's percentage of a sim robot
 * tracks the charge the model really has.
 */
const CELL_OCV: ReadonlyArray<readonly [charge: number, volts: number]> = [
  [0, 3.0],
  [0.05, 3.3],
  [0.1, 3.5],
  [0.2, 3.6],
  [0.4, 3.7],
  [0.5, 3.75],
  [0.6, 3.8],
  [0.72, 3.9],
  [0.83, 4.0],
  [0.93, 4.1],
  [1, 4.2],
]

// --- Sensor noise --------------------------------------------------------------------------
const ACCEL_NOISE = 0.02 // m/s^2, one standard deviation
const GYRO_NOISE = 0.05 // deg/s
const IMU_TEMP_NOISE = 0.05 // C
/** The MPU6050 sits inside the torso next to the Pi, warmer than the room. */
const IMU_SELF_HEATING_C = 6
const VOLTAGE_NOISE_MV = 8
const BATTERY_NOISE_MV = 5
/** A servo's potentiometer reading jitters by about a unit; steady-state error adds up to one more. */
const POSITION_JITTER = 0.5
const POSITION_JITTER_LIMIT = 1
const POSITION_BIAS_LIMIT = 1

// --- Falls ---------------------------------------------------------------------------------
/** A toppling biped accelerates like an inverted pendulum and hits the floor in well under a second. */
const FALL_MS = 600
/** HiWonder's get-up routines take a couple of seconds. */
const STAND_UP_MS = 2000

interface MovePlan {
  from: number
  to: number
  startMs: number
  endMs: number
}

interface Servo {
  plan: MovePlan
  torque: boolean
  tempC: number
  silent: boolean
  /** Steady-state error while holding, fixed per servo: real servos settle a unit or so off. */
  bias: number
  /** Supply drop along the daisy chain differs a little per servo. */
  voltageOffsetMv: number
}

interface PosturePlan {
  from: number
  to: number
  startMs: number
  endMs: number
  /** 'fall' accelerates (gravity), 'smooth' eases in and out (a commanded motion). */
  shape: 'fall' | 'smooth'
}

export class SimulatedTonyPi {
  readonly servoIds: readonly number[]
  readonly pack: BatteryPack
  readonly ambientC: number

  private readonly servos = new Map<number, Servo>()
  private readonly capacityAs: number
  private readonly cells: number
  /** Noise streams kept apart so polling one sensor more often never shifts another's noise. */
  private readonly servoNoise: Prng
  private readonly imuNoise: Prng
  private readonly batteryNoise: Prng

  /** Latest time the model was brought to (positions and attitude are exact here). */
  private now: number
  /** Grid time up to which heat and charge are integrated; gridMs <= now < gridMs + SUBSTEP_MS. */
  private gridMs: number
  private charge = 1
  /** Total draw over the last grid substep; the battery and supply readings sag with it. */
  private currentA: number
  private pitch: PosturePlan
  private roll: PosturePlan

  constructor(opts: SimulatedTonyPiOptions = {}) {
    const ids = opts.servoIds ?? Array.from({ length: 16 }, (_, i) => i + 1)
    if (new Set(ids).size !== ids.length) throw new RangeError('servoIds must be unique')
    if (opts.initialPose && opts.initialPose.length !== ids.length) {
      throw new RangeError('initialPose needs one position per servo id')
    }
    this.servoIds = Object.freeze([...ids])
    this.pack = opts.pack ?? '2S'
    this.cells = cellsOf(this.pack)
    this.capacityAs = ((opts.capacityMah ?? 2000) / 1000) * 3600
    this.ambientC = opts.ambientC ?? 25
    this.now = opts.startMs ?? 0
    this.gridMs = this.now

    const master = new Prng(opts.seed ?? 1)
    const quirks = master.fork()
    this.servoNoise = master.fork()
    this.imuNoise = master.fork()
    this.batteryNoise = master.fork()

    ids.forEach((id, i) => {
      const start = clampPosition(opts.initialPose?.[i] ?? TONYPI_STAND_POSE[id - 1] ?? 500)
      this.servos.set(id, {
        plan: hold(start, this.now),
        // HiWonder's software plays the stand action at boot, which leaves every servo holding.
        torque: true,
        // Just powered on: still at room temperature.
        tempC: this.ambientC,
        silent: false,
        bias: (quirks.next() * 2 - 1) * POSITION_BIAS_LIMIT,
        voltageOffsetMv: (quirks.next() * 2 - 1) * 15,
      })
    })
    this.pitch = level(this.now)
    this.roll = level(this.now)
    this.currentA = this.drawAt(this.now, this.now + SUBSTEP_MS)
  }

  /** The time the model was last advanced to (epoch ms). */
  get nowMs(): number {
    return this.now
  }

  /** Advance to nowMs. Earlier times are ignored: the model cannot run backwards. */
  step(nowMs: number): void {
    if (!(nowMs > this.now)) return
    while (this.gridMs + SUBSTEP_MS <= nowMs) {
      this.integrate(this.gridMs, this.gridMs + SUBSTEP_MS)
      this.gridMs += SUBSTEP_MS
    }
    this.now = nowMs
  }

  // --- Servo commands ------------------------------------------------------------------------
  // Commands for ids not on the bus are ignored, as a bus write to an absent id reaches nobody.
  // A command dated before the model's time takes effect now: history cannot be rewritten.

  /**
   * Move each servo from where it is to its target (clamped to 0..1000) so that it arrives at
   * atMs + durationMs, linearly as the LX servo's own interpolation does. Duration 0, or one
   * too short for the distance, means as fast as the servo turns.
   */
  move(targets: readonly { id: number; position: number }[], durationMs: number, atMs: number): void {
    const t = this.advance(atMs)
    for (const { id, position } of targets) {
      const s = this.servos.get(id)
      if (!s) continue
      const from = positionAt(s.plan, t)
      const to = clampPosition(position)
      const fastest = Math.abs(to - from) / MAX_SPEED_UNITS_PER_MS
      const duration = Math.max(Number.isFinite(durationMs) ? durationMs : 0, fastest, 0)
      s.plan = { from, to, startMs: t, endMs: t + duration }
      // A move loads the motor again: HiWonder's SDK never re-enables torque before moving.
      s.torque = true
    }
  }

  /** Halt in place (all servos when ids is omitted). */
  stop(ids: readonly number[] | undefined, atMs: number): void {
    const t = this.advance(atMs)
    for (const s of this.select(ids)) s.plan = hold(positionAt(s.plan, t), t)
  }

  /**
   * Torque off leaves the servo limp: it stops mid-move, holds no load and draws no holding
   * current, but still reports its position. Where a limp joint sags to depends on the whole
   * pose, which this model does not know, so it stays where it was.
   */
  setTorque(ids: readonly number[] | undefined, on: boolean, atMs: number): void {
    const t = this.advance(atMs)
    for (const s of this.select(ids)) {
      if (!on) s.plan = hold(positionAt(s.plan, t), t)
      s.torque = on
    }
  }

  /** Add heat (fault injection, tests); negative cools. */
  heat(id: number, deltaC: number): void {
    this.servo(id).tempC += deltaC
  }

  setTemperature(id: number, c: number): void {
    this.servo(id).tempC = c
  }

  /** Fault hook: the servo stops answering on the bus. The model only records it. */
  setSilent(id: number, silent: boolean): void {
    this.servo(id).silent = silent
  }

  isSilent(id: number): boolean {
    return this.servo(id).silent
  }

  // --- Servo readers: what the servo itself would report ------------------------------------
  // They throw for unknown ids; the byte-level faces decide how an absent servo looks.

  /** Integer position; a unit or two off the true one, and can dip just below 0. */
  readPosition(id: number): number {
    const s = this.servo(id)
    const jitter = clamp(this.servoNoise.gaussian() * POSITION_JITTER, -POSITION_JITTER_LIMIT, POSITION_JITTER_LIMIT)
    // Only a driven servo settles off target; a limp one reads where it lies.
    return Math.round(positionAt(s.plan, this.now) + (s.torque ? s.bias : 0) + jitter)
  }

  /** Integer C, as TEMP_READ reports it. */
  readTemperature(id: number): number {
    return Math.max(0, Math.round(this.servo(id).tempC))
  }

  /** Supply voltage at the servo in integer mV, as VIN_READ reports it. */
  readVoltage(id: number): number {
    const s = this.servo(id)
    const volts = this.terminalVolts() - this.currentA * BUS_RESISTANCE_OHM
    return Math.max(0, Math.round(volts * 1000 + s.voltageOffsetMv + this.servoNoise.gaussian() * VOLTAGE_NOISE_MV))
  }

  isMoving(id: number): boolean {
    const p = this.servo(id).plan
    return p.from !== p.to && this.now >= p.startMs && this.now < p.endMs
  }

  isTorqueOn(id: number): boolean {
    return this.servo(id).torque
  }

  /** The exact (noise-free, fractional) position: ground truth for tests and faces. */
  positionOf(id: number): number {
    return positionAt(this.servo(id).plan, this.now)
  }

  // --- Battery -------------------------------------------------------------------------------

  /** Pack voltage under the present load, as the hat's MCU or the board reports it. */
  readBattery(): { voltageMv: number } {
    const mv = this.terminalVolts() * 1000 + this.batteryNoise.gaussian() * BATTERY_NOISE_MV
    return { voltageMv: Math.max(0, Math.round(mv)) }
  }

  /** True state of charge, 0..1. */
  batteryCharge(): number {
    return this.charge
  }

  setBatteryCharge(fraction: number): void {
    this.charge = clamp(fraction, 0, 1)
  }

  /** Total current drawn from the pack, in A. */
  currentDrawA(): number {
    return this.currentA
  }

  // --- Body and IMU --------------------------------------------------------------------------

  /** Topple onto the front or the back, reaching the floor about 0.6 s after atMs. */
  fall(direction: 'front' | 'back', atMs: number): void {
    const t = this.advance(atMs)
    const to = direction === 'front' ? 90 : -90
    this.pitch = { from: angleAt(this.pitch, t), to, startMs: t, endMs: t + FALL_MS, shape: 'fall' }
    this.roll = { from: angleAt(this.roll, t), to: 0, startMs: t, endMs: t + FALL_MS, shape: 'fall' }
  }

  /** Get back up, upright about 2 s after atMs. */
  standUp(atMs: number): void {
    const t = this.advance(atMs)
    this.pitch = { from: angleAt(this.pitch, t), to: 0, startMs: t, endMs: t + STAND_UP_MS, shape: 'smooth' }
    this.roll = { from: angleAt(this.roll, t), to: 0, startMs: t, endMs: t + STAND_UP_MS, shape: 'smooth' }
  }

  attitude(): Attitude {
    return { rollDeg: angleAt(this.roll, this.now), pitchDeg: angleAt(this.pitch, this.now) }
  }

  /**
   * The MPU6050 mounted as in TonyPi: upright, y points up, so atan2(ay, az) reads +90 standing,
   * near 180 lying on the back and near 0 on the front (HARDWARE.md section 3). The accelerometer
   * sees only gravity's reaction: the centripetal part while toppling is ignored, because
   * HiWonder's detector only looks at the settled angle.
   * The Pi 5 era STM32 board mounts its IMU differently: HiWonder's RPC server for it computes
   * the fall angle as atan2(ax, az), so a board face must put this model's y (up) into its x.
   */
  readImu(): ImuReading {
    const theta = angleAt(this.pitch, this.now) * RAD
    const phi = angleAt(this.roll, this.now) * RAD
    const n = this.imuNoise
    const accel: Vec3 = [
      GRAVITY * Math.sin(phi) + n.gaussian() * ACCEL_NOISE,
      GRAVITY * Math.cos(phi) * Math.cos(theta) + n.gaussian() * ACCEL_NOISE,
      GRAVITY * Math.cos(phi) * Math.sin(theta) + n.gaussian() * ACCEL_NOISE,
    ]
    // The body's rate in sensor axes: pitching forward rotates about -x, rolling about +z.
    // These signs keep an integrated gyro consistent with the gravity vector above.
    const gyro: Vec3 = [
      -rateAt(this.pitch, this.now) + n.gaussian() * GYRO_NOISE,
      n.gaussian() * GYRO_NOISE,
      rateAt(this.roll, this.now) + n.gaussian() * GYRO_NOISE,
    ]
    const tempC = this.ambientC + IMU_SELF_HEATING_C + n.gaussian() * IMU_TEMP_NOISE
    return { accel, gyro, tempC }
  }

  // --- Internals -----------------------------------------------------------------------------

  /** Bring the model to a command's time and return the time the command takes effect. */
  private advance(atMs: number): number {
    this.step(atMs)
    return this.now
  }

  private servo(id: number): Servo {
    const s = this.servos.get(id)
    if (!s) throw new RangeError(`no servo with id ${id}`)
    return s
  }

  private select(ids: readonly number[] | undefined): Servo[] {
    if (!ids) return [...this.servos.values()]
    return ids.flatMap((id) => this.servos.get(id) ?? [])
  }

  /** Pack voltage at its terminals: resting voltage minus the drop across its own resistance. */
  private terminalVolts(): number {
    return this.cells * (cellOcv(this.charge) - this.currentA * CELL_RESISTANCE_OHM)
  }

  /** Current over [t0, t1], from each servo's average speed in that interval. */
  private drawAt(t0: number, t1: number): number {
    let amps = BASE_CURRENT_A
    for (const s of this.servos.values()) amps += servoCurrent(s, speedFraction(s.plan, t0, t1))
    return amps
  }

  private integrate(t0: number, t1: number): void {
    const dt = t1 - t0
    const decay = 1 - Math.exp(-dt / THERMAL_TAU_MS)
    let amps = BASE_CURRENT_A
    for (const s of this.servos.values()) {
      const speed = speedFraction(s.plan, t0, t1)
      amps += servoCurrent(s, speed)
      const equilibrium = this.ambientC + (s.torque ? HOLD_RISE_C : 0) + MOTION_RISE_C * speed
      s.tempC += (equilibrium - s.tempC) * decay
    }
    this.currentA = amps
    this.charge = Math.max(0, this.charge - (amps * dt) / 1000 / this.capacityAs)
  }
}

// --- Pure helpers ----------------------------------------------------------------------------

const RAD = Math.PI / 180

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x))
}

/** Unlike core/units.ts's clampPosition this keeps fractions: the model tracks true positions. */
function clampPosition(p: number): number {
  return Number.isFinite(p) ? clamp(p, POSITION_MIN, POSITION_MAX) : 500
}

function hold(position: number, atMs: number): MovePlan {
  return { from: position, to: position, startMs: atMs, endMs: atMs }
}

function level(atMs: number): PosturePlan {
  return { from: 0, to: 0, startMs: atMs, endMs: atMs, shape: 'smooth' }
}

function positionAt(p: MovePlan, t: number): number {
  if (t >= p.endMs) return p.to
  if (t <= p.startMs) return p.from
  return p.from + ((p.to - p.from) * (t - p.startMs)) / (p.endMs - p.startMs)
}

/** Average speed over [t0, t1] as a fraction of the servo's top speed. */
function speedFraction(p: MovePlan, t0: number, t1: number): number {
  const units = Math.abs(positionAt(p, t1) - positionAt(p, t0))
  return Math.min(1, units / (t1 - t0) / MAX_SPEED_UNITS_PER_MS)
}

function servoCurrent(s: Servo, speed: number): number {
  if (!s.torque) return 0
  return HOLD_CURRENT_A + (speed > 0 ? MOVE_CURRENT_A + MOVE_CURRENT_PER_SPEED_A * speed : 0)
}

/** Progress 0..1 along a posture change and its derivative per ms. */
function progress(p: PosturePlan, t: number): { u: number; du: number } {
  const span = p.endMs - p.startMs
  if (span <= 0 || t >= p.endMs) return { u: 1, du: 0 }
  if (t <= p.startMs) return { u: 0, du: 0 }
  const x = (t - p.startMs) / span
  if (p.shape === 'fall') return { u: x * x, du: (2 * x) / span }
  return { u: (1 - Math.cos(Math.PI * x)) / 2, du: (Math.PI * Math.sin(Math.PI * x)) / (2 * span) }
}

function angleAt(p: PosturePlan, t: number): number {
  return p.from + (p.to - p.from) * progress(p, t).u
}

/** deg/s */
function rateAt(p: PosturePlan, t: number): number {
  return (p.to - p.from) * progress(p, t).du * 1000
}

function cellOcv(charge: number): number {
  for (let i = 1; i < CELL_OCV.length; i++) {
    const [c1, v1] = CELL_OCV[i]
    if (charge <= c1) {
      const [c0, v0] = CELL_OCV[i - 1]
      return v0 + ((charge - c0) / (c1 - c0)) * (v1 - v0)
    }
  }
  return CELL_OCV[CELL_OCV.length - 1][1]
}
