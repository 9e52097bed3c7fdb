// The earlier system's robot client, reproduced from its source for tests: the MQTT side of
// robot_client/tonypi_client.py and robot_client/simulator.py in the public repository
// AimanZX06/Monitoring_System_TonyPi (commit fc5ec0b5), which robots in the field still run.
// What is reproduced, with the lines it follows:
// - paho's client with client_id = robot_id, MQTT 3.1.1, clean session, no credentials, no will
//   (TonyPiRobotClient.__init__, connect);
// - on connect: subscribes tonypi/commands/<id>, tonypi/commands/broadcast, tonypi/items/<id>,
//   tonypi/emergency_stop/<id>, tonypi/emergency_stop/broadcast, then sends its status
//   (on_connect);
// - telemetry at QoS 0: one tonypi/sensors/<id> message per sensor (send_sensor_data), servos,
//   the shared tonypi/battery and tonypi/location, tonypi/status/<id> with system_info, logs,
//   and job events (send_job_event adds progress_percent; the simulator's progress and end
//   messages carry no task_name and status "working", and it repeats "completed" after a job);
// - on_message: an emergency stop on its topic is answered on tonypi/emergency_stop/response
//   and again on tonypi/commands/response; while stopped everything but resume, status_request
//   and battery_request is refused; move, stop, resume, status_request, battery_request,
//   shutdown, head_nod, head_shake answered with their reply shapes; anything else
//   "Unknown command" (success false). On hardware an unknown move direction is only logged
//   (executeMovement's "Unknown direction: ..."), and the reply still says success.
// Timestamps are local time without a zone (datetime.now().isoformat()).
import mqtt from 'mqtt'

export const localIso = (ms = Date.now()) => {
  const d = new Date(ms)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`
}

export interface LegacyCommandSeen {
  topic: string
  payload: Record<string, unknown>
}
export interface LegacyClientOptions {
  url: string
  robotId: string
  /** hardware_available in its status: on hardware its IMU values are the board's (g, x up), else simulated (m/s^2, z up). */
  hardware?: boolean
  /** Keep trying to connect until the broker is there (its run loop reconnects every few seconds). */
  retry?: boolean
}

const SERVO_NAMES = ['Left Hip', 'Left Knee', 'Right Hip', 'Right Knee', 'Head Pan', 'Head Tilt']
/** Its ACTION_MAPPING keys (hiwonder/ActionGroupControl.py). */
const DIRECTIONS = new Set(['forward', 'backward', 'left', 'right', 'stand', 'squat', 'wave', 'kick_left', 'kick_right', 'bow'])

export class EarlierClient {
  readonly client: mqtt.MqttClient
  readonly commands: LegacyCommandSeen[] = []
  /** Lines it would have logged (logger.warning ...), for what it does not say in its replies. */
  readonly ownLog: string[] = []
  emergencyStopped = false
  emergencyReason: string | null = null
  connected = false
  /** Its latest IMU reading, [ax, ay, az, gx, gy, gz], as it would report it. */
  imu: number[]
  servoDegrees = [0, 10, -10, 20, 5, -5]
  /** Command types (`emergency_stop` for its stop topic) it receives and never answers, as a hung client would. */
  silentTo: string[] = []
  /** Its wall clock, for the timestamps it writes (a test may give two clients the same one). */
  now: () => number = Date.now
  battery = { percentage: 80, voltage: 11.8 }

  constructor(private readonly o: LegacyClientOptions) {
    const hw = o.hardware ?? true
    this.imu = hw ? [1, 0.01, 0.02, 0.5, -0.3, 0.1] : [0.1, -0.2, 9.8, 1, 2, 3]
    this.client = mqtt.connect(o.url, {
      clientId: o.robotId,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: o.retry ? 250 : 0,
      connectTimeout: 5000,
    })
    this.client.on('connect', () => {
      this.connected = true
      for (const t of [
        `tonypi/commands/${o.robotId}`,
        'tonypi/commands/broadcast',
        `tonypi/items/${o.robotId}`,
        `tonypi/emergency_stop/${o.robotId}`,
        'tonypi/emergency_stop/broadcast',
      ]) {
        this.client.subscribe(t, { qos: 0 })
      }
      this.sendStatus()
    })
    this.client.on('close', () => {
      this.connected = false
    })
    this.client.on('error', () => {})
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload.toString()))
  }

  get hardware() {
    return this.o.hardware ?? true
  }

  waitConnected(ms = 10_000): Promise<void> {
    if (this.connected) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the earlier client ${this.o.robotId} did not connect within ${ms} ms`)), ms)
      this.client.once('connect', () => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  private stamp() {
    return localIso(this.now())
  }

  private pub(topic: string, data: Record<string, unknown>) {
    this.client.publish(topic, JSON.stringify(data), { qos: 0 })
  }

  private reply(data: Record<string, unknown>) {
    this.pub('tonypi/commands/response', data)
  }

  private onMessage(topic: string, text: string) {
    const payload = JSON.parse(text) as Record<string, unknown>
    this.commands.push({ topic, payload })
    const type = payload.type as string | undefined
    if (this.silentTo.includes(topic.startsWith('tonypi/emergency_stop/') ? 'emergency_stop' : String(type))) return
    const commandId = (payload.id as string | undefined) ?? crypto.randomUUID()
    const base = { robot_id: this.o.robotId, command_id: commandId, timestamp: this.stamp(), success: false, message: 'Unknown command' }
    if (topic.startsWith('tonypi/emergency_stop/')) {
      const reason = (payload.reason as string | undefined) ?? 'Emergency stop triggered'
      this.emergencyStopped = true
      this.emergencyReason = reason
      this.sendLog('WARNING', `EMERGENCY STOP: ${reason}`, 'emergency')
      const r = {
        robot_id: this.o.robotId,
        command_id: commandId,
        type: 'emergency_stop',
        timestamp: this.stamp(),
        success: true,
        message: `Emergency stop activated: ${reason}`,
        reason,
        state: { emergency_stopped: true, motors_stopped: true },
      }
      this.pub('tonypi/emergency_stop/response', r)
      this.pub('tonypi/commands/response', r)
      return
    }
    if (this.emergencyStopped && !['resume', 'status_request', 'battery_request'].includes(String(type))) {
      return this.reply({ ...base, message: `Robot is emergency stopped. Send 'resume' command first. Reason: ${this.emergencyReason}` })
    }
    const ok = (message: string, extra: Record<string, unknown> = {}) =>
      this.reply({ robot_id: this.o.robotId, command_id: payload.id, timestamp: this.stamp(), success: true, message, ...extra })
    switch (type) {
      case 'move': {
        const direction = (payload.direction as string | undefined) ?? 'forward'
        if (this.hardware && !DIRECTIONS.has(direction.toLowerCase()) && direction !== 'stop')
          this.ownLog.push(`Movement command failed: Unknown direction: ${direction}`)
        return ok(`Moved ${direction} for 1.0 units`, { new_location: { x: 0, y: 0, z: 0 }, battery_level: this.battery.percentage })
      }
      case 'resume': {
        if (!this.emergencyStopped)
          return this.reply({
            robot_id: this.o.robotId,
            command_id: commandId,
            type: 'resume',
            timestamp: this.stamp(),
            success: true,
            message: 'Robot was not in emergency stop state',
          })
        const previous = this.emergencyReason
        this.emergencyStopped = false
        this.emergencyReason = null
        return this.reply({
          robot_id: this.o.robotId,
          command_id: commandId,
          type: 'resume',
          timestamp: this.stamp(),
          success: true,
          message: `Robot resumed from emergency stop (was: ${previous})`,
          previous_reason: previous,
          state: { emergency_stopped: false, ready: true },
        })
      }
      case 'status_request':
        return ok('Status retrieved', {
          data: {
            status: this.emergencyStopped ? 'emergency_stopped' : 'online',
            emergency_stopped: this.emergencyStopped,
            emergency_reason: this.emergencyReason,
            battery_level: this.battery.percentage,
          },
        })
      case 'battery_request':
        return ok('Battery status retrieved', {
          data: { battery_level: this.battery.percentage, charging: false, estimated_time: this.battery.percentage * 2 },
        })
      case 'stop':
        return ok('Robot stopped successfully')
      case 'shutdown':
        return ok('Robot shutting down')
      case 'head_nod':
        return ok('Head nod completed')
      case 'head_shake':
        return ok('Head shake completed')
      default:
        return this.reply(base)
    }
  }

  sendStatus(status: 'online' | 'offline' = 'online') {
    this.pub(`tonypi/status/${this.o.robotId}`, {
      robot_id: this.o.robotId,
      status: this.emergencyStopped && status === 'online' ? 'emergency_stopped' : status,
      timestamp: this.stamp(),
      system_info: {
        platform: 'Linux-6.6.31+rpt-rpi-2712-aarch64',
        cpu_percent: 23.5,
        memory_percent: 41.2,
        disk_usage: 37.9,
        temperature: 52.1,
        cpu_temperature: 52.1,
        uptime: 3600,
        hardware_mode: this.hardware,
        hardware_sdk: this.hardware,
      },
      hardware_available: this.hardware,
      ip_address: '192.168.149.1',
      camera_url: 'http://192.168.149.1:8081/?action=stream',
      emergency_stopped: this.emergencyStopped,
      emergency_reason: this.emergencyReason,
    })
  }

  sendSensors() {
    const [ax, ay, az, gx, gy, gz] = this.imu
    const sensors: [string, number, string][] = [
      ['accelerometer_x', ax, 'm/s^2'],
      ['accelerometer_y', ay, 'm/s^2'],
      ['accelerometer_z', az, 'm/s^2'],
      ['gyroscope_x', gx, 'deg/s'],
      ['gyroscope_y', gy, 'deg/s'],
      ['gyroscope_z', gz, 'deg/s'],
      ['ultrasonic_distance', 87.3, 'cm'],
      ['cpu_temperature', 52.1, 'C'],
      ['light_sensor_dark', 0, 'bool'],
      ['light_level', 74, '%'],
    ]
    for (const [sensor_type, value, unit] of sensors) {
      this.pub(`tonypi/sensors/${this.o.robotId}`, { robot_id: this.o.robotId, sensor_type, value, timestamp: this.stamp(), unit })
    }
  }

  sendServos() {
    const servos: Record<string, unknown> = {}
    this.servoDegrees.forEach((deg, i) => {
      servos[`servo_${i + 1}`] = {
        id: i + 1,
        name: SERVO_NAMES[i],
        position: deg,
        temperature: 45 + i,
        voltage: 5.0,
        torque_enabled: true,
        alert_level: 'normal',
      }
    })
    this.pub(`tonypi/servos/${this.o.robotId}`, { robot_id: this.o.robotId, servos, servo_count: 6, timestamp: this.stamp() })
  }

  sendBattery() {
    this.pub('tonypi/battery', {
      robot_id: this.o.robotId,
      percentage: this.battery.percentage,
      voltage: this.battery.voltage,
      charging: false,
      timestamp: this.stamp(),
    })
  }

  sendLocation() {
    this.pub('tonypi/location', { robot_id: this.o.robotId, x: 1.5, y: -0.5, z: 0, timestamp: this.stamp() })
  }

  sendLog(level: string, message: string, source = 'main') {
    this.pub(`tonypi/logs/${this.o.robotId}`, { robot_id: this.o.robotId, timestamp: this.stamp(), level: level.toUpperCase(), message, source })
  }

  /** send_job_event: with items, progress_percent is added. */
  sendJobEvent(taskName: string, status: string, o: { itemsDone?: number; itemsTotal?: number; reason?: string } = {}) {
    const data: Record<string, unknown> = { robot_id: this.o.robotId, timestamp: this.stamp(), task_name: taskName, status }
    if (o.reason !== undefined) data.reason = o.reason
    if (o.itemsDone !== undefined) data.items_done = o.itemsDone
    if (o.itemsTotal !== undefined) data.items_total = o.itemsTotal
    if (o.itemsDone !== undefined && o.itemsTotal !== undefined && o.itemsTotal > 0)
      data.progress_percent = Math.round((o.itemsDone / o.itemsTotal) * 1000) / 10
    this.pub(`tonypi/job/${this.o.robotId}`, data)
  }

  /** The simulator's own job messages (_start_job, send_job_update, _stop_job): only the start names its task. */
  sendSimulatorJob(kind: 'start' | 'working' | 'completed' | 'cancelled', itemsDone: number, itemsTotal: number) {
    const percent = Math.round((itemsDone / Math.max(1, itemsTotal)) * 10000) / 100
    const data: Record<string, unknown> =
      kind === 'start'
        ? {
            robot_id: this.o.robotId,
            status: 'started',
            task_name: 'inventory_scan',
            start_time: this.stamp(),
            items_total: itemsTotal,
            items_done: 0,
            percent: 0,
            phase: 'scanning',
            timestamp: this.stamp(),
          }
        : {
            robot_id: this.o.robotId,
            start_time: this.stamp(),
            items_total: itemsTotal,
            items_done: itemsDone,
            percent,
            status: kind === 'working' ? 'working' : kind,
            timestamp: this.stamp(),
          }
    this.pub(`tonypi/job/${this.o.robotId}`, data)
  }

  /** One round of everything its run loop sends. */
  sendAll() {
    this.sendStatus()
    this.sendBattery()
    this.sendSensors()
    this.sendServos()
    this.sendLocation()
  }

  /** Its graceful exit: status offline, then disconnect (disconnect()). */
  async stop() {
    if (this.connected) this.sendStatus('offline')
    await this.client.endAsync()
  }

  /** A crash: the connection just ends, without a word (it has no last will). */
  kill() {
    this.client.end(true)
  }
}
