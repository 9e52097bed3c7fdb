// Puts the bus on the topic tree, the one way out to MQTT: each batch of samples becomes one
// message on its stream's topic (a servo sweep is one `servos` message), command outcomes go to
// `command/response`, alert changes to `tonypi/system/alerts`, and a retained `status` says
// online or offline.
import type { Logger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { robotTopic, SYSTEM_ALERTS_TOPIC, type RobotChannel } from '../../core/topics.ts'
import { encodeTelemetry } from '../../core/telemetry-payload.ts'
import type { RobotState } from '../../core/robot-state.ts'
import type { SampleBus } from '../sample-bus.ts'
import type { EmbeddedBroker } from './broker.ts'

const CHANNEL: Record<Sample['stream'], RobotChannel> = {
  servos: 'servos',
  imu: 'imu',
  battery: 'battery',
  performance: 'performance',
  sensors: 'sensors',
}

export class BrokerPublisher {
  private telemetryTimer: ReturnType<typeof setInterval> | null = null
  published = 0

  constructor(private readonly deps: { broker: EmbeddedBroker; bus: SampleBus; state: RobotState; robotId: string; log: Logger }) {}

  async start() {
    await this.status('online')
    const { bus } = this.deps
    bus.on('samples', this, (samples) => this.onSamples(samples))
    bus.on('command', this, (e) => this.send('command/response', e.data))
    bus.on('estop', this, () => void this.status('online'))
    bus.on('resume', this, () => void this.status('online'))
    bus.on('alert', this, (e) => this.sendTo(SYSTEM_ALERTS_TOPIC, e.data))
    this.telemetryTimer = setInterval(() => this.telemetry(), 1000)
  }

  private topic(c: RobotChannel) {
    return robotTopic(this.deps.robotId, c)
  }

  private send(c: RobotChannel, payload: unknown, retain = false) {
    this.sendTo(this.topic(c), payload, retain)
  }

  private sendTo(topic: string, payload: unknown, retain = false) {
    this.published++
    void this.deps.broker
      .publish(topic, JSON.stringify(payload), retain)
      .catch((err: unknown) => this.deps.log.warn('not published on MQTT', { topic, error: err as Error }))
  }

  private onSamples(samples: Sample[]) {
    const byStream = new Map<Sample['stream'], Sample[]>()
    for (const s of samples) {
      const l = byStream.get(s.stream)
      if (l) l.push(s)
      else byStream.set(s.stream, [s])
    }
    for (const [stream, list] of byStream) this.send(CHANNEL[stream], encodeTelemetry(this.deps.robotId, stream, list))
  }

  private telemetry() {
    const now = Date.now()
    const st = this.deps.state.status(now)
    const temps = st.servos.map((s) => s.temperature_c).filter((x): x is number => x !== null)
    const volts = st.servos.map((s) => s.voltage_v).filter((x): x is number => x !== null)
    this.send('telemetry', {
      robot_id: this.deps.robotId,
      ts: now,
      estopped: st.estopped,
      battery: st.battery,
      attitude: st.imu ? { roll_deg: st.imu.roll_deg, pitch_deg: st.imu.pitch_deg } : null,
      servos: {
        count: st.servos.length,
        stale: st.servos.filter((s) => s.stale).length,
        max_temperature_c: temps.length ? Math.max(...temps) : null,
        min_voltage_v: volts.length ? Math.min(...volts) : null,
      },
    })
  }

  status(status: 'online' | 'offline') {
    const st = this.deps.state
    const payload = {
      robot_id: this.deps.robotId,
      status: st.estopped && status === 'online' ? 'emergency_stopped' : status,
      ts: Date.now(),
      profile: st.profile,
      estopped: st.estopped,
      estop_reason: st.estopReason,
    }
    this.published++
    return this.deps.broker.publish(this.topic('status'), JSON.stringify(payload), true)
  }

  async stop() {
    this.deps.bus.off(this)
    if (this.telemetryTimer) clearInterval(this.telemetryTimer)
    await this.status('offline')
  }
}
