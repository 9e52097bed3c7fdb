// The field check against the byte-level simulators on real ptys: a simulated hat wired to GPIO
// twins (so only the right pins hear the servos), simulated I2C chips, and the fault modes.
import { afterEach, describe, expect, test } from 'bun:test'
import { MPU6050_ADDR } from '../codecs/mpu6050.ts'
import { attachHatI2cDevices, SimulatedMpu6050 } from '../sim/i2c-devices.ts'
import { startBoardSimulator, startLxSimulator } from '../sim/pty-server.ts'
import { MemoryGpioChip, MemoryI2cBus } from '../transports/memory.ts'
import { main } from './cli.ts'
import type { Check } from './selftest.ts'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s()
})

/** A TonyPi hat wired to BCM 27 (TX_CON) and 4 (RX_CON), with the chosen I2C devices. */
function hat(opts: { i2c?: 'full' | 'mpu6500-only' | 'empty'; pulledUp?: number[] } = {}) {
  const gpio = new MemoryGpioChip()
  for (const line of opts.pulledUp ?? []) gpio.setIdleLevel(line, 1)
  const sim = startLxSimulator({ seed: 11, lx: { hat: { gpio, txEnable: 27, rxEnable: 4 } } })
  stops.push(() => sim.stop())
  const i2c = new MemoryI2cBus()
  if ((opts.i2c ?? 'full') === 'full') attachHatI2cDevices(i2c, sim.device.model)
  if (opts.i2c === 'mpu6500-only') i2c.attach(MPU6050_ADDR, new SimulatedMpu6050(sim.device.model, { whoAmI: 0x70 }))
  return { sim, gpio, i2c, devices: { gpio: gpio.open, i2c: () => i2c } }
}

async function selftest(args: string[], devices = {}) {
  const lines: string[] = []
  // The simulator shares this process's CPU with the test: under load its replies are late, not lost.
  const code = await main(['selftest', '--reply-ms', '60', ...args], (s) => lines.push(s), devices)
  const report = lines.join('\n')
  const checks = report
    .split('\n')
    .filter((l) => l.startsWith('['))
    .map((l) => {
      const m = /^\[(.{4})\] ([^:]+): (.*)$/.exec(l)!
      return { status: m[1].trim().toLowerCase().replace('--', 'info'), name: m[2], detail: m[3] } as Check
    })
  const check = (name: string) => checks.find((c) => c.name === name)
  return { code, report, checks, check }
}

describe('selftest on the hat (LX bus)', () => {
  test('a healthy robot: every check passes, and the report is ready to paste', async () => {
    const { sim, devices } = hat()
    const r = await selftest(['--port', sim.path, '--gpio', '27,4'], devices)
    expect(r.code).toBe(0)
    expect(r.report.startsWith('```\nTonyPi Monitor selftest, ')).toBe(true)
    expect(r.report).toContain(`tonypi-monitor 0.1.0, Bun ${Bun.version}`)
    expect(r.report).toContain(`hat (LX bus) on ${sim.path} at 115200 baud, TONYPI_GPIO=27,4, I2C /dev/i2c-1, 2S pack`)
    expect(r.check('uart')).toMatchObject({ status: 'ok' })
    expect(r.check('pins 27,4')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^servo 1 answered \(position \d+\)$/) })
    expect(r.check('pins 27,17')).toMatchObject({ status: 'info', detail: 'no servo answered (ids 1..16)' })
    expect(r.check('pins none')).toMatchObject({ status: 'info' })
    expect(r.check('pins')).toEqual({ name: 'pins', status: 'ok', detail: 'TONYPI_GPIO=27,4 works' })
    expect(r.check('servos')).toEqual({ name: 'servos', status: 'ok', detail: 'all 16 answer (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)' })
    expect(r.check('i2c')).toEqual({ name: 'i2c', status: 'ok', detail: '/dev/i2c-1: 0x68 (IMU), 0x7a (battery monitor) answer' })
    expect(r.check('imu')).toEqual({ name: 'imu', status: 'ok', detail: 'MPU6050 at 0x68' })
    expect(r.check('imu at rest')?.detail).toMatch(/^\|a\| = (0\.9\d|1\.0\d) g at rest$/)
    expect(r.check('battery')).toMatchObject({ status: 'ok', detail: expect.stringContaining('(2S pack, 6.0..8.4 V)') })
    expect(r.report.trimEnd().endsWith('result: 8 ok, 0 warnings, 0 failures\n```')).toBe(true)
  })

  test('the old default 27,17 on a TonyPi wired 27,4: says which pair works, even with BCM 4 pulled up when released', async () => {
    const { sim, devices } = hat({ pulledUp: [4] })
    const r = await selftest(['--port', sim.path, '--gpio', '27,17'], devices)
    expect(r.code).toBe(0)
    expect(r.check('pins 27,17')).toMatchObject({ status: 'info', detail: 'no servo answered (ids 1..16)' })
    expect(r.check('pins 27,4')).toMatchObject({ status: 'ok' })
    expect(r.check('pins')).toEqual({ name: 'pins', status: 'warn', detail: 'servos answer with 27,4, not with the configured 27,17: set TONYPI_GPIO=27,4' })
    expect(r.check('servos')?.status).toBe('ok')
  })

  test('no servo answers (power off): the pins check fails and says what to look at', async () => {
    const { sim, devices } = hat()
    sim.faults.pullCable('silent')
    const r = await selftest(['--port', sim.path, '--ids', '1-4'], devices)
    expect(r.code).toBe(1)
    expect(r.check('pins')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('no servo answered with any pin pair: check the servos have power'),
    })
    expect(r.check('servos')).toBeUndefined()
  })

  test('silent servos are named', async () => {
    const { sim, devices } = hat()
    for (const id of [3, 9]) sim.faults.silent(id)
    const r = await selftest(['--port', sim.path], devices)
    expect(r.check('servos')).toEqual({ name: 'servos', status: 'warn', detail: '14 of 16 answer; silent: 3, 9' })
  })

  test('an MPU6500 and no battery monitor: a warning naming the chip, the battery explained', async () => {
    const { sim, devices } = hat({ i2c: 'mpu6500-only' })
    const r = await selftest(['--port', sim.path], devices)
    expect(r.code).toBe(0)
    expect(r.check('imu')).toMatchObject({ status: 'warn', detail: expect.stringContaining('WHO_AM_I 0x70 is an MPU6500') })
    expect(r.check('imu at rest')?.status).toBe('ok')
    expect(r.check('battery')).toMatchObject({ status: 'info', detail: expect.stringContaining('no battery monitor at 0x7a') })
  })

  test('an empty I2C bus: no IMU is a warning, the battery explained', async () => {
    const { sim, devices } = hat({ i2c: 'empty' })
    const r = await selftest(['--port', sim.path], devices)
    expect(r.check('i2c')).toMatchObject({ status: 'warn', detail: '/dev/i2c-1: no device answers at 0x68, 0x69 or 0x7a' })
    expect(r.check('imu')).toMatchObject({ status: 'warn', detail: expect.stringContaining('no usable IMU') })
  })

  test('a missing port fails the UART check clearly and skips the servo checks', async () => {
    const { devices } = hat()
    const r = await selftest(['--port', '/dev/ttyNOPE0'], devices)
    expect(r.code).toBe(1)
    expect(r.check('uart')).toMatchObject({ status: 'fail', detail: expect.stringContaining('/dev/ttyNOPE0: no such device') })
    expect(r.check('pins')).toBeUndefined()
    expect(r.check('i2c')?.status).toBe('ok') // the I2C checks still run
  })

  test('pins held by another program (the edge running): said so', async () => {
    const { sim, gpio, devices } = hat()
    const edgeLine = gpio.open({ line: 27, initial: 1 })
    try {
      const r = await selftest(['--port', sim.path, '--ids', '1-2'], devices)
      expect(r.check('pins 27,4')).toMatchObject({ status: 'fail', detail: expect.stringContaining('is the edge running? stop it first') })
    } finally {
      edgeLine.close()
    }
  })
})

describe('selftest on the controller board', () => {
  test('a healthy board: frames, servos, the IMU reads 1 g at rest, the battery', async () => {
    const sim = startBoardSimulator({ seed: 12 })
    stops.push(() => sim.stop())
    const r = await selftest(['--protocol', 'board', '--port', sim.path])
    expect(r.code).toBe(0)
    expect(r.check('uart')).toMatchObject({ status: 'ok', detail: `${sim.path} open at 1000000 baud (DTR and RTS dropped)` })
    expect(r.check('board')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^\d+ frames in 1\.5 s, 0 failed their CRC$/) })
    expect(r.check('servos')?.status).toBe('ok')
    expect(r.check('imu at rest')?.detail).toMatch(/^\|a\| = (0\.9\d|1\.0\d) g \(as the board reports it\) at rest$/)
    expect(r.check('battery')?.status).toBe('ok')
  })

  test('a noisy link: frames that fail their CRC are counted and flagged', async () => {
    const sim = startBoardSimulator({ seed: 13 })
    stops.push(() => sim.stop())
    sim.faults.corruptRate(0.02, 'flip')
    const r = await selftest(['--protocol', 'board', '--port', sim.path, '--ids', '1-4'])
    expect(r.check('board')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/[1-9]\d* failed their CRC: a noisy or mis-set link/) })
  })

  test('a board that says nothing: no frames, no servos, no IMU', async () => {
    const sim = startBoardSimulator({ seed: 14 })
    stops.push(() => sim.stop())
    sim.faults.pullCable('silent')
    const r = await selftest(['--protocol', 'board', '--port', sim.path, '--ids', '1-2'])
    expect(r.code).toBe(1)
    expect(r.check('board')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no frames from the board in 1.5 s') })
    expect(r.check('servos')?.status).toBe('fail')
    expect(r.check('imu at rest')).toMatchObject({ status: 'fail', detail: 'no IMU report from the board' })
  })
})
