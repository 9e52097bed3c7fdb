// What the alert rules read off the bus: the measured values each default rule is about,
// the servo silent/recovered events, and the fall detector's verdict on every IMU reading.
// Each sample costs a few property checks; only the engine's changes ever reach the disk.
import { FALL_BACK_DEG, FALL_FRONT_DEG, FallDetector } from '../../core/alerts/fall-detector.ts'
import type { AlertReading } from '../../core/alerts/engine.ts'
import type { RobotEvent } from '../../core/events.ts'
import type { Sample } from '../../core/streams.ts'
import type { SampleBus } from '../sample-bus.ts'

/** `vcgencmd get_throttled` bits (the "now" half): 0 under-voltage; 1 capped, 2 throttled, 3 soft limit. */
const UNDER_VOLTAGE_NOW = 0x1
const SLOWED_NOW = 0x2 | 0x4 | 0x8

const PERFORMANCE_METRICS: [field: string, metric: string][] = [
  ['cpu_temp_c', 'cpu_temperature'],
  ['mem_percent', 'memory_percent'],
  ['disk_percent', 'disk_percent'],
  ['cpu_percent', 'cpu_percent'],
]

export class BusReadings {
  private readonly fall = new FallDetector()
  /**
   * Servos whose silent alert was left open by an earlier run: the collector starts afresh and
   * sends no `servo.recovered` for them, so their first answer clears the alert instead.
   */
  private readonly unconfirmed = new Set<string>()

  expectAnswerFrom(servoIds: Iterable<string>) {
    for (const id of servoIds) this.unconfirmed.add(id)
  }

  /** Hands `judge` the readings in each batch of samples and each event the rules are about. */
  listen(bus: SampleBus, owner: object, judge: (readings: AlertReading[]) => void) {
    bus.on('samples', owner, (samples) => {
      const out: AlertReading[] = []
      for (const s of samples) this.fromSample(s, out)
      if (out.length) judge(out)
    })
    bus.on('sync.dropped', owner, ({ data, ts }) => judge([{ metric: 'sync_dropped', source: data.stream, value: data.total, ts }]))
    bus.on('servo.silent', owner, (e) => judge([this.servoSilent(e, 1)]))
    bus.on('servo.recovered', owner, (e) => judge([this.servoSilent(e, 0)]))
  }

  private servoSilent({ data, ts }: RobotEvent<'servo.silent' | 'servo.recovered'>, value: 0 | 1): AlertReading {
    const source = String(data.servo_id)
    this.unconfirmed.delete(source)
    return { metric: 'servo_silent', source, value, ts, holds: true }
  }

  private fromSample(s: Sample, out: AlertReading[]) {
    const v = s.values
    switch (s.stream) {
      case 'servos': {
        const source = s.source ?? ''
        if (v.temperature_c !== undefined) out.push({ metric: 'servo_temperature', source, value: v.temperature_c, ts: s.ts })
        if (v.voltage_v !== undefined) out.push({ metric: 'servo_voltage', source, value: v.voltage_v, ts: s.ts })
        if (this.unconfirmed.size && this.unconfirmed.delete(source)) out.push({ metric: 'servo_silent', source, value: 0, ts: s.ts, holds: true })
        return
      }
      case 'imu': {
        if (v.ax === undefined || v.ay === undefined || v.az === undefined) return
        const f = this.fall.update([v.ax, v.ay, v.az])
        const down = f.posture !== 'upright'
        out.push({
          metric: 'fall',
          source: '',
          value: down ? 1 : 0,
          ts: s.ts,
          shown: {
            value: Math.round(f.angle * 10) / 10,
            threshold: f.posture === 'front' || (!down && Math.abs(f.angle) < 90) ? FALL_FRONT_DEG : FALL_BACK_DEG,
            note: down ? `lying on its ${f.posture}` : 'upright',
          },
        })
        return
      }
      case 'battery':
        if (v.percent !== undefined) out.push({ metric: 'battery_percent', source: '', value: v.percent, ts: s.ts })
        return
      case 'performance':
        for (const [field, metric] of PERFORMANCE_METRICS) if (v[field] !== undefined) out.push({ metric, source: '', value: v[field], ts: s.ts })
        if (v.throttled !== undefined) {
          out.push({ metric: 'pi_undervoltage', source: '', value: v.throttled & UNDER_VOLTAGE_NOW ? 1 : 0, ts: s.ts })
          out.push({ metric: 'pi_throttled', source: '', value: v.throttled & SLOWED_NOW ? 1 : 0, ts: s.ts })
        }
        return
      default:
        return
    }
  }
}
