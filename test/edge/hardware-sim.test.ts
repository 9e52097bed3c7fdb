// The whole edge against the byte-level simulator over a real pty, for both hardware
// generations: what robot/status shows equals the simulator, commands arrive as the exact
// bytes, and faults (a silent servo, corrupt bytes, a pulled cable) are survived.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { servoSpecs } from '../../core/servo-config.ts'
import { HatDriver } from '../../drivers/hat/hat-driver.ts'
import { startBoardSimulator, startLxSimulator } from '../../drivers/sim/pty-server.ts'
import { attachHatI2cDevices, SimulatedMpu6050 } from '../../drivers/sim/i2c-devices.ts'
import { EDGE_CONFIG_SPEC, loadEdgeConfig } from '../../core/config.ts'
import { createLogger } from '../../core/log.ts'
import { MPU6050_ADDR } from '../../drivers/codecs/mpu6050.ts'
import { openRobotDriver, parseGpio } from '../../drivers/profiles.ts'
import { openHalfDuplexDirection } from '../../drivers/transports/half-duplex.ts'
import { MemoryGpioChip, MemoryI2cBus } from '../../drivers/transports/memory.ts'
import { ReopeningSerialPort } from '../../drivers/transports/uart.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)/g, '$1 ').trim()
const SERVOS = servoSpecs({ servoIds: '1-16' })

async function status(h: EdgeHarness, token: string) {
  return (await h.api('/api/v1/robot/status', { token })).json()
}

/** robot/status once every servo has been read (fresh, with a temperature), and the IMU and battery. */
function fullStatus(h: EdgeHarness, token: string) {
  return waitFor(
    'all servos read',
    async () => {
      const s = await status(h, token)
      return s.servos.every((x: { stale: boolean; temperature_c: number | null }) => !x.stale && x.temperature_c !== null) && s.imu && s.battery ? s : null
    },
    10_000,
  )
}

describe('tonypi-hat: LX bus on a pty behind direction pins 27,4, MPU6050 and battery on I2C', () => {
  let sim: ReturnType<typeof startLxSimulator>
  let h: EdgeHarness
  let token: string
  beforeAll(async () => {
    // The simulated hat's buffer is wired to BCM 27 and 4: replies reach the edge only through them.
    const gpio = new MemoryGpioChip()
    sim = startLxSimulator({ seed: 3, lx: { hat: { gpio, txEnable: 27, rxEnable: 4 } } })
    const i2c = new MemoryI2cBus()
    attachHatI2cDevices(i2c, sim.device.model)
    const port = ReopeningSerialPort.open(sim.pathFn, { baud: 115_200, minDelayMs: 20, maxDelayMs: 200 })
    const direction = openHalfDuplexDirection(parseGpio(EDGE_CONFIG_SPEC.properties.gpio.default), gpio.open)
    const { driver } = await HatDriver.open({ port, direction, i2c, servos: SERVOS, bus: { replyTimeoutMs: 25 } })
    h = await startTestEdge({}, { driver })
    token = await h.tokenFor('operator')
  })
  afterAll(async () => {
    await h.stop()
    await sim.stop()
  })

  test('robot/status equals the simulator: positions, temperatures, voltages, IMU, battery', async () => {
    const st = await fullStatus(h, token)
    const m = sim.device.model
    m.step(Date.now())
    for (const s of st.servos) {
      expect(Math.abs(s.position - m.positionOf(s.id))).toBeLessThanOrEqual(4)
      expect(Math.abs(s.temperature_c - m.readTemperature(s.id))).toBeLessThanOrEqual(1)
      expect(Math.abs(s.voltage_v - m.readVoltage(s.id) / 1000)).toBeLessThan(0.1)
      expect(s.torque).toBe(true)
    }
    const imu = m.readImu()
    for (let i = 0; i < 3; i++) expect(Math.abs(st.imu.accel[i] - imu.accel[i])).toBeLessThan(0.3)
    expect(Math.abs(st.battery.voltage_v - m.readBattery().voltageMv / 1000)).toBeLessThan(0.05)
    expect(st.profile).toBe('tonypi-hat')
    expect(st.buses[0].name).toBe('lx-bus')
    expect(st.buses[0].replies).toBeGreaterThan(16)
  })

  test('the default pins drive the simulated hat: requests reach the servos, replies reach the edge', async () => {
    await fullStatus(h, token)
    expect(sim.device.stats.undriven).toBe(0)
  })

  test('a move of sixteen servos reaches all of them as one burst of exact frames', async () => {
    const since = Date.now() - 50
    const targets = SERVOS.map((s) => ({ id: s.id, position: 480 + s.id }))
    expect((await h.api('/api/v1/command', { method: 'POST', token, json: { type: 'servo.move', targets, duration_ms: 600 } })).status).toBe(202)
    const frames = await waitFor('16 move frames', () => {
      const f = sim.device.received.filter((x) => x.atMs >= since && x.cmd === 1)
      return f.length === 16 ? f : null
    })
    expect(frames.map((f) => f.id)).toEqual(SERVOS.map((s) => s.id))
    // Back to back on the simulated wire: 16 frames of 10 bytes, each stamped at its last stop bit.
    expect(frames[15].atMs - frames[0].atMs).toBeCloseTo((15 * 10 * 10 * 1000) / 115_200, 1)
    await waitFor(
      'pose reached',
      async () => (await status(h, token)).servos.every((s: { id: number; position: number }) => Math.abs(s.position - (480 + s.id)) <= 4),
      3000,
    )
  })

  test('a move arrives as the exact LX bytes, and e-stop as one broadcast MOVE_STOP', async () => {
    const since = Date.now() - 50
    const r = await h.api('/api/v1/command', { method: 'POST', token, json: { type: 'servo.move', targets: [{ id: 5, position: 300 }], duration_ms: 1000 } })
    expect(r.status).toBe(202)
    const frame = await waitFor('move frame', () => sim.device.received.filter((x) => x.atMs >= since).find((f) => f.cmd === 1))
    expect(hex(frame.bytes)).toBe('55 55 05 07 01 2c 01 e8 03 da') // HARDWARE.md's vector
    await waitFor('servo 5 on its way', async () => (await status(h, token)).servos.find((s: { id: number }) => s.id === 5).position < 470)
    await h.api('/api/v1/command', { method: 'POST', token, json: { type: 'estop' } })
    const stop = await waitFor('broadcast stop', () => sim.device.received.filter((x) => x.atMs >= since).find((f) => f.cmd === 12))
    expect(hex(stop.bytes)).toBe('55 55 fe 03 0c f2')
    await h.api('/api/v1/command', { method: 'POST', token, json: { type: 'resume' } })
  })

  test('a silent servo is marked stale and recovers when it answers again', async () => {
    sim.faults.silent(7)
    await waitFor('servo 7 stale', async () => (await status(h, token)).servos.find((s: { id: number }) => s.id === 7).stale, 5000)
    const st = await status(h, token)
    expect(st.servos.filter((s: { stale: boolean }) => s.stale).map((s: { id: number }) => s.id)).toEqual([7])
    expect(st.buses[0].timeouts).toBeGreaterThan(0)
    sim.faults.answer(7)
    await waitFor('servo 7 back', async () => !(await status(h, token)).servos.find((s: { id: number }) => s.id === 7).stale, 5000)
    // One event each way, stored for the hub. A health read can clear `stale` a sweep before the
    // position sweep that raises servo.recovered, so wait for the event itself.
    const servoEvents = () => {
      h.edge.ctx.store.flush(Date.now())
      return h.edge.ctx.store
        .queryEvents({ limit: 1000 })
        .filter((e) => e.kind.startsWith('servo.'))
        .map((e) => `${e.kind}:${(e.data as { servo_id: number }).servo_id}`)
    }
    await waitFor('servo.recovered stored', () => servoEvents().includes('servo.recovered:7'), 5000)
    expect(servoEvents()).toEqual(['servo.recovered:7', 'servo.silent:7'])
  })

  test('corrupt bytes are rejected and counted; readings continue', async () => {
    const before = (await status(h, token)).buses[0].checksum_errors
    sim.faults.corruptRate(0.2, 'flip')
    await waitFor('checksum errors counted', async () => (await status(h, token)).buses[0].checksum_errors > before)
    sim.faults.stopCorrupting()
    await waitFor('fresh readings', async () => (await status(h, token)).servos.every((s: { stale: boolean }) => !s.stale), 5000)
  })

  test('a pulled cable makes servos stale; plugged back in, the edge reopens and resumes', async () => {
    sim.hangup()
    await waitFor('all stale', async () => (await status(h, token)).servos.every((s: { stale: boolean }) => s.stale), 5000)
    expect((await h.api('/api/v1/health')).status).toBe(200) // IMU and battery still sample
    sim.replug()
    await waitFor('servos back', async () => (await status(h, token)).servos.every((s: { stale: boolean }) => !s.stale), 10_000)
  })
})

describe('tonypi-board: STM32 controller board on a pty', () => {
  let sim: ReturnType<typeof startBoardSimulator>
  let h: EdgeHarness
  let token: string
  beforeAll(async () => {
    sim = startBoardSimulator({ seed: 4 })
    h = await startTestEdge({ TONYPI_PROFILE: 'tonypi-board', TONYPI_SERIAL_PORT: sim.path })
    token = await h.tokenFor('operator')
  })
  afterAll(async () => {
    await h.stop()
    await sim.stop()
  })

  test('robot/status equals the simulator, IMU in the same body frame as the hat', async () => {
    const st = await fullStatus(h, token)
    const m = sim.device.model
    m.step(Date.now())
    for (const s of st.servos) expect(Math.abs(s.position - m.positionOf(s.id))).toBeLessThanOrEqual(4)
    const imu = m.readImu()
    for (let i = 0; i < 3; i++) expect(Math.abs(st.imu.accel[i] - imu.accel[i])).toBeLessThan(0.3)
    expect(st.imu.pitch_deg).toBeLessThan(10) // upright in the shared frame
    expect(Math.abs(st.battery.voltage_v - m.readBattery().voltageMv / 1000)).toBeLessThan(0.05)
    expect(st.profile).toBe('tonypi-board')
  })

  test('a two-servo move is one frame with the exact bytes; buzzer and LED reach the board', async () => {
    const since = Date.now() - 50
    await h.api('/api/v1/command', {
      method: 'POST',
      token,
      json: {
        type: 'servo.move',
        targets: [
          { id: 1, position: 500 },
          { id: 2, position: 600 },
        ],
        duration_ms: 500,
      },
    })
    const f = await waitFor('set positions', () => sim.device.received.filter((x) => x.atMs >= since).find((x) => x.func === 5 && x.data[0] === 1))
    expect(hex(f.bytes)).toBe('aa 55 05 0a 01 f4 01 02 01 f4 01 02 58 02 9a') // HARDWARE.md's vector
    await h.api('/api/v1/command', { method: 'POST', token, json: { type: 'buzzer', freq_hz: 2000, on_ms: 100, off_ms: 100, repeat: 2 } })
    const led = await h.api('/api/v1/command', { method: 'POST', token, json: { type: 'led', led_id: 1, on_ms: 200, off_ms: 200, repeat: 3 } })
    expect(led.status).toBe(202)
    await waitFor('buzzer frame', () => sim.device.framesOf(2).some((x) => x.atMs >= since))
    await waitFor('led frame', () => sim.device.framesOf(1).some((x) => x.atMs >= since))
    await waitFor('servo 2 at 600', async () => Math.abs((await status(h, token)).servos[1].position - 600) <= 4, 3000)
  })
})

describe('tonypi-hat through the profile: an MPU6500 and no battery monitor', () => {
  let sim: ReturnType<typeof startLxSimulator>
  let h: EdgeHarness
  let token: string
  const i2c = new MemoryI2cBus()
  const lines: { level: string; msg: string }[] = []
  beforeAll(async () => {
    const gpio = new MemoryGpioChip()
    sim = startLxSimulator({ seed: 6, lx: { hat: { gpio, txEnable: 27, rxEnable: 4 } } })
    // Only the IMU on the bus, and it is an MPU6500: many hats have no battery monitor at 0x7A.
    i2c.attach(MPU6050_ADDR, new SimulatedMpu6050(sim.device.model, { whoAmI: 0x70 }))
    const cfg = loadEdgeConfig({
      defaults: { robotId: 'testbot' },
      env: { TONYPI_PROFILE: 'tonypi-hat', TONYPI_SERIAL_PORT: sim.path, TONYPI_I2C_BUS: '/dev/i2c-1' },
    })
    const log = createLogger({ sink: (l) => lines.push(JSON.parse(l)) })
    const driver = await openRobotDriver(cfg, log, { gpio: gpio.open, i2c: () => i2c })
    h = await startTestEdge({}, { driver })
    token = await h.tokenFor('operator')
  })
  afterAll(async () => {
    await h.stop()
    await sim.stop()
  })

  test('battery null, said once in one clear line, and the missing device is never asked again', async () => {
    const st = await waitFor(
      'servos and IMU',
      async () => {
        const s = await status(h, token)
        return s.servos.every((x: { stale: boolean }) => !x.stale) && s.imu ? s : null
      },
      10_000,
    )
    expect(st.battery).toBeNull()
    const battery = lines.filter((l) => l.msg.includes('0x7a'))
    expect(battery).toEqual([{ ...battery[0], level: 'info' }])
    expect(battery[0].msg).toContain(
      "battery: no battery monitor at I2C 0x7a (nothing answers there); it is on HiWonder's ArmPi hat and not on every TonyPi hat",
    )
    // A second and more of IMU sampling (100 Hz), while the battery poller would have run at 1 Hz.
    const imuReads = () => i2c.log.filter((t) => t.addr === MPU6050_ADDR && t.readLen === 14).length
    const from = imuReads()
    await waitFor('150 more IMU reads', () => imuReads() - from >= 150, 10_000)
    expect(i2c.log.filter((t) => t.addr === 0x7a).length).toBe(1) // the probe at start, nothing after
  })

  test('the MPU6500 is used, with one warning that names it', async () => {
    const warnings = lines.filter((l) => l.level === 'warn' && l.msg.includes('MPU6500'))
    expect(warnings.length).toBe(1)
    expect(warnings[0].msg).toContain('WHO_AM_I 0x70 is an MPU6500, not an MPU6050')
    const st = await status(h, token)
    expect(Math.hypot(...st.imu.accel)).toBeCloseTo(9.8, 0)
  })
})
