// Faults injected into the simulated robot, for demos and tests of everything downstream:
// alerts, the dashboard, the store, sync. Each fault acts where the real one would (a hot
// servo, a servo that stops answering, a flat pack, a fall, a noisy bus, a clock step), and
// clearing undoes them the way the robot would recover (it cools down, it gets up).
import { Prng } from '../../drivers/sim/prng.ts'
import type { SimDriver } from '../../drivers/sim/sim-driver.ts'
import { FaultySimDriver } from './faulty-sim-driver.ts'

export const SIM_FAULT_KINDS = ['overheat', 'silent', 'low_battery', 'fall', 'corrupt_bus', 'clock_jump'] as const
export type SimFaultKind = (typeof SIM_FAULT_KINDS)[number]

export interface SimFaultRequest {
  kind: SimFaultKind
  servo_id?: number
  /** fall: which way (default front). */
  direction?: 'front' | 'back'
  /** clock_jump: how far the clock steps, seconds (default +3600, as NTP correcting a stale boot clock). */
  offset_s?: number
}

export interface ActiveFault {
  kind: SimFaultKind
  servo_id?: number
  direction?: 'front' | 'back'
  offset_s?: number
  since: number
}

export class SimFaultError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message)
  }
}

/**
 * A stalled servo heats by a few degrees a minute; a demo cannot wait that long. The servo
 * starts as if it had been straining for a while (62 C) and climbs 5 C/s, past the real
 * servo's own 85 C cut-out (the simulator does not unload it) to 90 C: warning and critical
 * lines are crossed a couple of seconds apart, so both levels are seen.
 */
const OVERHEAT = { startC: 62, ratePerS: 5, capC: 90 }
/** After a clear: a fan on the servo, 10 C/s down to the room, where the model takes over. */
const COOL_RATE_PER_S = 10
/** A pack at 8 % of its charge: about 3.45 V a cell, below every battery line. */
const LOW_CHARGE = 0.08
/**
 * A corrupted frame costs a read after the driver's one retry: a 5 % loss per read is a bad
 * cable. About 1 corrupted frame in 256 passes the LX bus's 8-bit sum and arrives garbled.
 */
const LOSS = 0.05
const GARBLED = 1 / 256
const DEFAULT_JUMP_S = 3600

interface HeatRamp {
  fromC: number
  startMs: number
  ratePerS: number
  toC: number
}

export class SimFaults {
  readonly driver: FaultySimDriver
  private active = new Map<string, ActiveFault>()
  private ramps = new Map<number, HeatRamp>()
  private savedCharge: number | null = null
  private offsetMs = 0
  private readonly rng: Prng
  readonly counters = { lost_reads: 0, garbled_reads: 0 }

  constructor(
    private readonly sim: SimDriver,
    opts: { seed?: number } = {},
  ) {
    this.rng = new Prng((opts.seed ?? 1) ^ 0x5eed)
    this.driver = new FaultySimDriver(sim, this)
  }

  /** The clock the collector stamps samples with: the wall clock, stepped by clock_jump. */
  readonly now = (): number => Date.now() + this.offsetMs

  get clockOffsetMs(): number {
    return this.offsetMs
  }

  list(): ActiveFault[] {
    return [...this.active.values()]
  }

  inject(req: SimFaultRequest, now = Date.now()): ActiveFault {
    const model = this.sim.model
    const servoKinds = req.kind === 'overheat' || req.kind === 'silent'
    if (req.servo_id !== undefined && !servoKinds) throw new SimFaultError(400, `servo_id applies to overheat and silent, not ${req.kind}`)
    if (req.direction !== undefined && req.kind !== 'fall') throw new SimFaultError(400, 'direction applies to fall only')
    if (req.offset_s !== undefined && req.kind !== 'clock_jump') throw new SimFaultError(400, 'offset_s applies to clock_jump only')
    const servo = servoKinds ? (req.servo_id ?? this.sim.servos[0]?.id) : undefined
    if (servoKinds && (servo === undefined || !model.servoIds.includes(servo))) {
      throw new SimFaultError(404, `no servo ${req.servo_id} on this robot (servos ${model.servoIds.join(', ')})`)
    }
    const key = servo !== undefined ? `${req.kind}:${servo}` : req.kind
    const existing = this.active.get(key)
    // Asking again for what is already happening changes nothing (a second fall is not queued).
    if (existing && req.kind !== 'clock_jump' && req.kind !== 'fall') return existing
    if (existing && req.kind === 'fall' && existing.direction === (req.direction ?? 'front')) return existing
    const fault: ActiveFault = { kind: req.kind, since: now, ...(servo !== undefined ? { servo_id: servo } : {}) }
    switch (req.kind) {
      case 'overheat': {
        const fromC = Math.max(OVERHEAT.startC, model.readTemperature(servo!))
        this.ramps.set(servo!, { fromC, startMs: now, ratePerS: OVERHEAT.ratePerS, toC: OVERHEAT.capC })
        break
      }
      case 'silent':
        model.setSilent(servo!, true)
        break
      case 'low_battery':
        this.savedCharge ??= model.batteryCharge()
        model.setBatteryCharge(Math.min(LOW_CHARGE, model.batteryCharge()))
        break
      case 'fall':
        fault.direction = req.direction ?? 'front'
        model.fall(fault.direction, now)
        break
      case 'corrupt_bus':
        break
      case 'clock_jump':
        fault.offset_s = req.offset_s ?? DEFAULT_JUMP_S
        this.offsetMs = fault.offset_s * 1000
        break
    }
    this.active.set(key, fault)
    return fault
  }

  /** Undoes every fault; returns what was active. */
  clear(now = Date.now()): ActiveFault[] {
    const model = this.sim.model
    const was = this.list()
    for (const f of was) {
      if (f.kind === 'overheat') {
        const id = f.servo_id!
        this.ramps.set(id, { fromC: model.readTemperature(id), startMs: now, ratePerS: -COOL_RATE_PER_S, toC: model.ambientC })
      } else if (f.kind === 'silent') model.setSilent(f.servo_id!, false)
      else if (f.kind === 'fall') model.standUp(now)
    }
    if (this.savedCharge !== null) model.setBatteryCharge(this.savedCharge)
    this.savedCharge = null
    this.offsetMs = 0
    this.active.clear()
    return was
  }

  /** Runs before every read: heat and cooling ramps follow the wall clock, like the model. */
  apply(now: number) {
    for (const [id, r] of this.ramps) {
      const t = r.fromC + (r.ratePerS * (now - r.startMs)) / 1000
      const done = r.ratePerS > 0 ? t >= r.toC : t <= r.toC
      this.sim.model.setTemperature(id, done ? r.toC : t)
      // A cooled servo is handed back to the model's own physics; a hot one stays at the cap.
      if (done && r.ratePerS < 0) this.ramps.delete(id)
    }
  }

  /** corrupt_bus: whether this read is lost on the wire (after the driver's retry). */
  loses(): boolean {
    if (!this.active.has('corrupt_bus') || this.rng.next() >= LOSS) return false
    this.counters.lost_reads++
    return true
  }

  /** corrupt_bus: a frame whose corruption slipped past the checksum, rarely. */
  garbles(): boolean {
    if (!this.active.has('corrupt_bus') || this.rng.next() >= LOSS * GARBLED) return false
    this.counters.garbled_reads++
    return true
  }

  garbage(max: number): number {
    return Math.floor(this.rng.next() * (max + 1))
  }
}
