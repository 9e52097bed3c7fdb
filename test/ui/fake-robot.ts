// A robot on the hub's broker, as the fleet dashboard tests need one: it connects with the
// credential the hub issued, reports status, servos (10 Hz), battery and IMU on its topics,
// answers commands (moving its servos toward a commanded target, stopping on estop), and
// keeps every command it received for the test to read.
import mqtt from 'mqtt'
import { TONYPI_STAND_POSE } from '../../core/tonypi-servos.ts'
import { waitFor } from '../support/edge-harness.ts'

export interface ReceivedCommand {
  id: string
  type: string
  [k: string]: unknown
}

const TICK_MS = 100
/** Servo units per tick toward a target: 500 ms for a 200-unit move. */
const STEP = 40

export class FakeRobot {
  readonly commands: ReceivedCommand[] = []
  readonly positions = [...TONYPI_STAND_POSE]
  private targets = [...TONYPI_STAND_POSE]
  private torque = TONYPI_STAND_POSE.map(() => true)
  estopped = false
  battery = 82
  private client: mqtt.MqttClient | null = null
  private timer: ReturnType<typeof setInterval> | null = null
  private ticks = 0

  constructor(
    readonly robotId: string,
    private readonly url: string,
    private readonly credential: { username: string; token: string },
  ) {}

  private topic(c: string) {
    return `tonypi/${this.robotId}/${c}`
  }

  private publish(c: string, body: Record<string, unknown>) {
    this.client?.publish(this.topic(c), JSON.stringify({ robot_id: this.robotId, ts: Date.now(), ...body }))
  }

  /** Connects (the broker reloads its password file a moment after the hub registers a robot). */
  async connect(): Promise<void> {
    this.client = await waitFor(
      `${this.robotId} connected to the broker`,
      () =>
        new Promise<mqtt.MqttClient | null>((resolve) => {
          const c = mqtt.connect(this.url, {
            username: this.credential.username,
            password: this.credential.token,
            reconnectPeriod: 0,
            connectTimeout: 3000,
            clientId: `${this.robotId}-${Date.now()}`,
          })
          c.once('connect', () => resolve(c))
          c.once('error', () => {
            c.end(true)
            resolve(null)
          })
        }),
      10_000,
      200,
    )
    await new Promise<void>((resolve, reject) => this.client!.subscribe(this.topic('command/request'), { qos: 1 }, (err) => (err ? reject(err) : resolve())))
    this.client.on('message', (_t, payload) => this.onCommand(JSON.parse(payload.toString()) as ReceivedCommand))
  }

  /** Online, and reporting until stopped. */
  async start() {
    if (!this.client) await this.connect()
    this.status()
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  /** A clean stop: says offline and leaves. */
  async stop() {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.publish('status', { status: 'offline' })
    await new Promise<void>((r) => (this.client ? this.client.end(false, {}, () => r()) : r()))
    this.client = null
  }

  private status() {
    this.publish('status', {
      status: this.estopped ? 'emergency_stopped' : 'online',
      profile: 'tonypi',
      ...(this.estopped ? { estopped: true, estop_reason: 'by the dashboard test' } : {}),
    })
  }

  private tick() {
    this.ticks++
    if (!this.estopped) {
      for (let i = 0; i < this.positions.length; i++) {
        const d = this.targets[i] - this.positions[i]
        this.positions[i] += Math.max(-STEP, Math.min(STEP, d))
      }
    }
    this.publish('servos', {
      servos: this.positions.map((p, i) => ({
        id: i + 1,
        position: p,
        temperature_c: 38 + (i % 5),
        voltage_v: 7.6 - (i % 3) * 0.05,
        torque: this.torque[i] ? 1 : 0,
      })),
    })
    if (this.ticks % 10 === 1) {
      this.publish('battery', { voltage_v: 7.4 + this.battery / 1000, percent: this.battery })
      // Standing: gravity along the body's y axis (core/units.ts).
      this.publish('imu', { accel: [0.1, 9.79, 0.2], gyro: [0.01, -0.02, 0.0] })
      this.publish('performance', {
        cpu_percent: 23.5,
        mem_percent: 41.2,
        cpu_temp_c: 52.3,
        net_rx_bps: 1200,
        net_tx_bps: 5400,
        load_1: 0.4,
        load_5: 0.3,
        load_15: 0.2,
        uptime_s: 3600,
      })
    }
  }

  private reply(cmd: ReceivedCommand, state: string, reason?: string) {
    this.publish('command/response', { id: cmd.id, type: cmd.type, state, ...(reason ? { reason } : {}) })
  }

  private onCommand(cmd: ReceivedCommand) {
    this.commands.push(cmd)
    if (cmd.type === 'estop') {
      this.estopped = true
      this.targets = [...this.positions]
      this.reply(cmd, 'done')
      this.status()
      return
    }
    if (cmd.type === 'resume') {
      this.estopped = false
      this.reply(cmd, 'done')
      this.status()
      return
    }
    if (this.estopped) return this.reply(cmd, 'rejected', 'emergency-stopped: only resume is accepted')
    if (cmd.type === 'servo.move') {
      for (const t of cmd.targets as { id: number; position: number }[]) this.targets[t.id - 1] = t.position
      this.reply(cmd, 'done')
      return
    }
    if (cmd.type === 'servo.torque') {
      for (const id of cmd.ids as number[]) this.torque[id - 1] = cmd.on as boolean
      this.reply(cmd, 'done')
      return
    }
    this.reply(cmd, 'rejected', `the fake robot does not do ${cmd.type}`)
  }
}
