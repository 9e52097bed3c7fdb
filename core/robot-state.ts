// The robot's latest known state, kept from the bus: what `robot/status` answers and what
// the health check reads. A servo with no answer within its stale window is marked stale.
import type { BatteryStatus, ImuStatus, RobotStatus, ServoStatus } from './schemas.ts'
import type { Sample } from './streams.ts'
import { attitudeFromAccel, positionToDegrees, round2 } from './units.ts'
import type { BusStatus, ServoInfo } from './robot-types.ts'

interface ServoLatest {
  position: number | null
  temperature_c: number | null
  voltage_v: number | null
  torque: boolean | null
  ts: number | null
  /** Time of the last answer of any kind: a silent servo stops updating it. */
  answeredAt: number | null
}

export class RobotState {
  private servos = new Map<number, ServoLatest>()
  private imu: ImuStatus | null = null
  private battery: BatteryStatus | null = null
  performance: { ts: number; values: Record<string, number> } | null = null
  lastSampleTs: number | null = null
  estopped = false
  estopReason: string | null = null

  constructor(
    readonly robotId: string,
    readonly profile: string,
    readonly servoInfo: readonly ServoInfo[],
    private readonly staleAfterMs: number,
    private readonly buses: () => BusStatus[] = () => [],
  ) {
    for (const s of servoInfo) {
      this.servos.set(s.id, { position: null, temperature_c: null, voltage_v: null, torque: null, ts: null, answeredAt: null })
    }
  }

  apply(samples: readonly Sample[]) {
    for (const s of samples) {
      this.lastSampleTs = Math.max(this.lastSampleTs ?? 0, s.ts)
      if (s.stream === 'servos') {
        const cur = this.servos.get(Number(s.source))
        if (!cur) continue
        const v = s.values
        if (v.position !== undefined) cur.position = v.position
        if (v.temperature_c !== undefined) cur.temperature_c = v.temperature_c
        if (v.voltage_v !== undefined) cur.voltage_v = v.voltage_v
        if (v.torque !== undefined) cur.torque = v.torque === 1
        cur.ts = s.ts
        cur.answeredAt = s.ts
      } else if (s.stream === 'imu') {
        const v = s.values
        const accel: [number, number, number] = [v.ax, v.ay, v.az]
        this.imu = { ts: s.ts, accel, gyro: [v.gx, v.gy, v.gz], ...attitudeFromAccel(accel) }
      } else if (s.stream === 'performance') {
        // Legacy clients send one field at a time: merge rather than replace.
        const fresh = this.performance && s.ts - this.performance.ts < 5_000
        this.performance = { ts: s.ts, values: fresh ? { ...this.performance!.values, ...s.values } : { ...s.values } }
      } else if (s.stream === 'battery') {
        this.battery = { ts: s.ts, voltage_v: s.values.voltage_v, percent: s.values.percent }
      }
    }
  }

  servoStatus(now: number): ServoStatus[] {
    return this.servoInfo.map((info) => {
      const s = this.servos.get(info.id)!
      return {
        id: info.id,
        name: info.name,
        position: s.position,
        angle_deg: s.position === null ? null : round2(positionToDegrees(s.position)),
        temperature_c: s.temperature_c,
        voltage_v: s.voltage_v,
        torque: s.torque,
        stale: s.answeredAt === null || now - s.answeredAt > this.staleAfterMs,
        ts: s.ts,
      }
    })
  }

  status(now: number): RobotStatus {
    return {
      robot_id: this.robotId,
      profile: this.profile,
      ts: now,
      estopped: this.estopped,
      servos: this.servoStatus(now),
      imu: this.imu,
      battery: this.battery,
      buses: this.buses(),
    }
  }
}
