// `npm run servo -- selftest` (or `doctor`): a field check for a robot's first start. It tries
// what the edge would use, says what works and what does not, and prints a short report a user
// can paste into an issue.
//
// The hat: the UART opens; the direction pins (each plausible pair, and none, until a servo
// answers; see pinChecks); how many servos answer; which I2C devices are there; the IMU at rest
// (about 1 g); the battery. The controller board: the UART opens (DTR and RTS dropped); its own
// reports arrive and pass their CRC; servos answer through it; its IMU at rest, in the unit it
// reports (HARDWARE.md section 2 asks for exactly this check); its battery.
import { readFileSync } from 'node:fs'
import { arch, release } from 'node:os'
import { join } from 'node:path'
import { packRange, type BatteryPack } from '../../core/units.ts'
import { BoardLink } from '../board/board-link.ts'
import { encodeBusServoRead } from '../codecs/board.ts'
import { decodeHatBattery, HAT_BATTERY_READ_LEN, HAT_BATTERY_REG, HAT_I2C_ADDR } from '../codecs/hat-battery.ts'
import { decodeLxReply, encodePosRead, isLxReplyTo, LxCmd, LxFrameDecoder } from '../codecs/lx-bus.ts'
import { MPU6050_ADDR, MPU6050_ADDR_ALT, STANDARD_GRAVITY } from '../codecs/mpu6050.ts'
import { LxBusMaster } from '../hat/lx-bus-master.ts'
import { Mpu6050Reader } from '../hat/mpu6050-reader.ts'
import { parseGpio, REAL_HAT_DEVICES, type HatDevices } from '../profiles.ts'
import type { GpioLine } from '../transports/gpio.ts'
import { type HalfDuplexDirection, openHalfDuplexDirection, PLAUSIBLE_HAT_PINS, type HalfDuplexPins } from '../transports/half-duplex.ts'
import type { I2cBus } from '../transports/i2c.ts'
import type { SerialPort } from '../transports/serial-port.ts'
import { openSerialPort, type SerialPortOptions } from '../transports/uart.ts'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info'
export interface Check {
  name: string
  status: CheckStatus
  detail: string
}

export interface SelftestDevices extends HatDevices {
  serial: (path: string, opts: SerialPortOptions) => SerialPort
}

export interface SelftestOptions {
  protocol: 'lx' | 'board'
  port: string
  baud: number
  /** TONYPI_GPIO as configured. */
  gpio: string
  /** TONYPI_I2C_BUS: a path or none. */
  i2cBus: string
  ids: readonly number[]
  pack: BatteryPack
  /** How long to watch the board's own reports. Default 1500 ms. */
  listenMs?: number
  /** How long to wait for one reply: 15 ms on the hat, 30 ms through the board by default. */
  replyMs?: number
  devices?: Partial<SelftestDevices>
}

/** At rest the accelerometer reads gravity alone: 1 g, within this. */
const REST_TOLERANCE_G = 0.1
/** Per servo and pin pair: a reply takes about 1.5 ms; HiWonder's SDK waits 5 ms. */
const READ_TIMEOUT_MS = 15

const pinsLabel = (p: HalfDuplexPins | 'none') => (p === 'none' ? 'none' : `${p.chip ? `${p.chip}:` : ''}${p.txEnable},${p.rxEnable}`)
const list = (ids: readonly number[]) => ids.join(', ')
const errText = (err: unknown) => (err as Error)?.message ?? String(err)

/** What the user should do about a device that is taken. */
function busy(err: unknown): string {
  const m = errText(err)
  return /EBUSY|in use/.test(m) ? `${m}; is the edge running? stop it first (sudo systemctl stop tonypi-edge)` : m
}

export async function runSelftest(o: SelftestOptions): Promise<Check[]> {
  const devices: SelftestDevices = { ...REAL_HAT_DEVICES, serial: openSerialPort, ...o.devices }
  const checks: Check[] = []
  const add = (name: string, status: CheckStatus, detail: string) => checks.push({ name, status, detail })
  if (o.protocol === 'lx') {
    await lxChecks(o, devices, add)
    await hatI2cChecks(o, devices, add)
  } else {
    await boardChecks(o, devices, add)
  }
  return checks
}

type Add = (name: string, status: CheckStatus, detail: string) => void

async function lxChecks(o: SelftestOptions, devices: SelftestDevices, add: Add) {
  let port: SerialPort
  try {
    port = devices.serial(o.port, { baud: o.baud })
  } catch (err) {
    add('uart', 'fail', `${busy(err)}; the servo checks are skipped`)
    return
  }
  add('uart', 'ok', `${o.port} open at ${o.baud} baud`)
  try {
    const working = await pinChecks(o, devices, port, add)
    if (working) await lxServoCount(o, devices, port, working, add)
  } finally {
    port.close()
  }
}

/** One position read through `direction`: the position, and whether our own request came back. */
async function tryRead(port: SerialPort, direction: HalfDuplexDirection, id: number, replyMs: number): Promise<{ position: number | null; echo: boolean }> {
  const req = encodePosRead(id)
  port.flush()
  await direction.request(port, req)
  const decoder = new LxFrameDecoder()
  let echo = false
  const end = performance.now() + replyMs
  while (performance.now() < end && (await port.waitReadable(end - performance.now()))) {
    for (const f of decoder.push(port.read(64))) {
      if (isLxReplyTo(f, req)) {
        const r = decodeLxReply(f)
        return { position: r?.kind === 'POS_READ' ? r.pos : null, echo }
      }
      if (f.id === id && f.cmd === LxCmd.POS_READ && f.params.length === 0) echo = true
    }
  }
  return { position: null, echo }
}

/**
 * Reads one servo with each plausible pin pair (the configured one first, then HiWonder's, then
 * none for an adapter that switches by itself) and says which worked. While a pair is tried,
 * every other candidate RX enable is held low: a released BCM 4 floats high on its pull-up and
 * would let a wrong pair hear the replies.
 */
async function pinChecks(o: SelftestOptions, devices: SelftestDevices, port: SerialPort, add: Add): Promise<HalfDuplexPins | 'none' | null> {
  let configured: HalfDuplexPins | 'none'
  try {
    configured = parseGpio(o.gpio)
  } catch (err) {
    add('pins', 'fail', errText(err))
    return null
  }
  const chip = configured === 'none' ? undefined : configured.chip
  const all: (HalfDuplexPins | 'none')[] = [configured, ...PLAUSIBLE_HAT_PINS.map((p) => (chip === undefined ? p : { ...p, chip })), 'none']
  const candidates = all.filter((c, i) => all.findIndex((d) => pinsLabel(d) === pinsLabel(c)) === i)
  const rxLines = [...new Set(candidates.flatMap((c) => (c === 'none' ? [] : [c.rxEnable])))]
  const worked: { pins: HalfDuplexPins | 'none'; echo: boolean }[] = []
  for (const pins of candidates) {
    const held: GpioLine[] = []
    let direction: HalfDuplexDirection | null = null
    try {
      for (const line of rxLines)
        if (pins === 'none' || line !== pins.rxEnable) held.push(devices.gpio({ chip, line, initial: 0, consumer: 'tonypi-selftest' }))
      direction = openHalfDuplexDirection(pins, devices.gpio, { baud: o.baud })
      let answer: { id: number; position: number | null; echo: boolean } | null = null
      for (const id of o.ids) {
        const r = await tryRead(port, direction, id, o.replyMs ?? READ_TIMEOUT_MS)
        if (r.position !== null) {
          answer = { id, ...r }
          break
        }
      }
      if (answer) {
        worked.push({ pins, echo: answer.echo })
        add(
          `pins ${pinsLabel(pins)}`,
          'ok',
          `servo ${answer.id} answered (position ${answer.position})${answer.echo ? '; our own request came back too (the RX enable stays on while transmitting)' : ''}`,
        )
      } else {
        add(`pins ${pinsLabel(pins)}`, 'info', `no servo answered (ids ${o.ids[0]}..${o.ids.at(-1)})`)
      }
    } catch (err) {
      add(`pins ${pinsLabel(pins)}`, 'fail', busy(err))
    } finally {
      direction?.close()
      for (const l of held) l.close()
    }
  }
  const mine = worked.find((w) => pinsLabel(w.pins) === pinsLabel(configured))
  if (mine) {
    add('pins', 'ok', `TONYPI_GPIO=${o.gpio} works`)
    return mine.pins
  }
  if (worked.length) {
    add(
      'pins',
      'warn',
      `servos answer with ${pinsLabel(worked[0].pins)}, not with the configured ${pinsLabel(configured)}: set TONYPI_GPIO=${pinsLabel(worked[0].pins)}`,
    )
    return worked[0].pins
  }
  add(
    'pins',
    'fail',
    'no servo answered with any pin pair: check the servos have power (battery switch on), the bus cable, --port, and that the serial console is off (raspi-config)',
  )
  return null
}

async function lxServoCount(o: SelftestOptions, devices: SelftestDevices, port: SerialPort, pins: HalfDuplexPins | 'none', add: Add) {
  const direction = openHalfDuplexDirection(pins, devices.gpio, { baud: o.baud })
  try {
    const bus = new LxBusMaster(port, direction, { replyTimeoutMs: o.replyMs ?? READ_TIMEOUT_MS, retries: 1 })
    const replies = await bus.requestMany(
      o.ids.map((id) => encodePosRead(id)),
      'command',
    )
    servoCount(
      o.ids,
      o.ids.filter((_, i) => replies[i]),
      add,
    )
  } finally {
    direction.close()
  }
}

function servoCount(ids: readonly number[], answered: readonly number[], add: Add) {
  const missing = ids.filter((id) => !answered.includes(id))
  if (!missing.length) add('servos', 'ok', `all ${ids.length} answer (${list(ids)})`)
  else if (answered.length) add('servos', 'warn', `${answered.length} of ${ids.length} answer; silent: ${list(missing)}`)
  else add('servos', 'fail', `none of ${list(ids)} answers`)
}

function restCheck(name: string, g: number, unit: string, add: Add) {
  if (Math.abs(g - 1) <= REST_TOLERANCE_G) add(name, 'ok', `|a| = ${g.toFixed(2)} ${unit} at rest`)
  else if (Math.abs(g - STANDARD_GRAVITY) <= STANDARD_GRAVITY * REST_TOLERANCE_G) {
    add(name, 'fail', `|a| = ${g.toFixed(2)} at rest: it reports m/s^2 where the edge assumes g; please report this`)
  } else add(name, 'warn', `|a| = ${g.toFixed(2)} ${unit}, not about 1: is the robot moving? run the check again with it standing still`)
}

function batteryCheck(v: number, pack: BatteryPack, add: Add) {
  const { empty, full } = packRange(pack)
  if (v < empty) add('battery', 'warn', `${v.toFixed(2)} V, below the ${pack} pack's ${empty.toFixed(1)} V empty: charge it (or set TONYPI_BATTERY_PACK)`)
  else if (v > full + 0.2) add('battery', 'warn', `${v.toFixed(2)} V, above a ${pack} pack's ${full.toFixed(1)} V: is TONYPI_BATTERY_PACK right?`)
  else add('battery', 'ok', `${v.toFixed(2)} V (${pack} pack, ${empty.toFixed(1)}..${full.toFixed(1)} V)`)
}

async function hatI2cChecks(o: SelftestOptions, devices: SelftestDevices, add: Add) {
  if (o.i2cBus === 'none') {
    add('i2c', 'info', 'TONYPI_I2C_BUS=none: no IMU, no battery')
    return
  }
  let bus: I2cBus
  try {
    bus = devices.i2c(o.i2cBus)
  } catch (err) {
    add('i2c', 'fail', `${errText(err)}; enable I2C (sudo raspi-config nonint do_i2c 0) and reboot`)
    return
  }
  try {
    const answers = async (addr: number, reg: number, len: number) =>
      bus.writeRead(addr, Uint8Array.of(reg), len).then(
        () => true,
        () => false,
      )
    const present: string[] = []
    for (const [addr, what] of [
      [MPU6050_ADDR, 'IMU'],
      [MPU6050_ADDR_ALT, 'IMU (AD0 high)'],
      [HAT_I2C_ADDR, 'battery monitor'],
    ] as const) {
      if (await answers(addr, 0, 1)) present.push(`0x${addr.toString(16)} (${what})`)
    }
    add('i2c', present.length ? 'ok' : 'warn', `${o.i2cBus}: ${present.length ? `${present.join(', ')} answer` : 'no device answers at 0x68, 0x69 or 0x7a'}`)

    let imu: Mpu6050Reader | null = null
    for (const addr of [MPU6050_ADDR, MPU6050_ADDR_ALT]) {
      try {
        imu = await Mpu6050Reader.open(bus, addr)
        add('imu', imu.chip.warning ? 'warn' : 'ok', imu.chip.warning ?? `${imu.chip.name} at 0x${addr.toString(16)}`)
        break
      } catch (err) {
        if (addr === MPU6050_ADDR_ALT) add('imu', 'warn', `no usable IMU: ${errText(err)}; imu will be null`)
      }
    }
    if (imu) {
      let sum = 0
      const n = 20
      for (let i = 0; i < n; i++) {
        sum += Math.hypot(...(await imu.read()).accel) / STANDARD_GRAVITY
        await Bun.sleep(5)
      }
      restCheck('imu at rest', sum / n, 'g', add)
    }

    try {
      const raw = await bus.writeRead(HAT_I2C_ADDR, Uint8Array.of(HAT_BATTERY_REG), HAT_BATTERY_READ_LEN)
      batteryCheck(decodeHatBattery(raw) / 1000, o.pack, add)
    } catch {
      add('battery', 'info', "no battery monitor at 0x7a (it is on HiWonder's ArmPi hat, not on every TonyPi hat): battery will be null")
    }
  } finally {
    bus.close()
  }
}

async function boardChecks(o: SelftestOptions, devices: SelftestDevices, add: Add) {
  let port: SerialPort
  try {
    port = devices.serial(o.port, { baud: o.baud, clearModemLines: true })
  } catch (err) {
    add('uart', 'fail', `${busy(err)}; the board checks are skipped`)
    return
  }
  add('uart', 'ok', `${o.port} open at ${o.baud} baud (DTR and RTS dropped)`)
  const link = new BoardLink(port, { replyTimeoutMs: o.replyMs ?? 30, retries: 1 })
  try {
    // The board's own reports: IMU and battery, sampled while they stream.
    const listenMs = o.listenMs ?? 1500
    const mags: number[] = []
    const end = performance.now() + listenMs
    let lastTs = 0
    while (performance.now() < end) {
      await Bun.sleep(10)
      const imu = link.latestImu
      // Back to the floats the board sent: the codec scaled them by g, taking them as g.
      if (imu && imu.ts !== lastTs) {
        lastTs = imu.ts
        mags.push(Math.hypot(...imu.accel) / STANDARD_GRAVITY)
      }
    }
    const s = link.decoder.stats
    const seconds = (listenMs / 1000).toFixed(1)
    if (!s.frames)
      add(
        'board',
        'fail',
        `no frames from the board in ${seconds} s (${s.bytesIn} bytes, ${s.checksumErrors} failed their CRC): is it switched on, and is this its port at ${o.baud} baud?`,
      )
    else
      add(
        'board',
        s.checksumErrors ? 'warn' : 'ok',
        `${s.frames} frames in ${seconds} s, ${s.checksumErrors} failed their CRC${s.checksumErrors ? ': a noisy or mis-set link' : ''}`,
      )

    const answered: number[] = []
    for (const id of o.ids) if ((await link.request(encodeBusServoRead('READ_POSITION', id), 'READ_POSITION', id, 'command'))?.ok) answered.push(id)
    servoCount(o.ids, answered, add)

    if (mags.length) restCheck('imu at rest', mags.reduce((a, b) => a + b, 0) / mags.length, 'g (as the board reports it)', add)
    else add('imu at rest', 'fail', 'no IMU report from the board')
    const mv = link.latestBatteryMv
    if (mv) batteryCheck(mv.mv / 1000, o.pack, add)
    else add('battery', 'warn', 'no battery report from the board')
    add('pins, i2c', 'info', 'not used: the controller board drives its servo bus and sensors itself')
  } finally {
    link.close()
  }
}

function describeHost(): string {
  let version = '?'
  try {
    version = JSON.parse(readFileSync(join(import.meta.dir, '../../package.json'), 'utf8')).version
  } catch {
    /* a copy without package.json */
  }
  let model = 'not a Raspberry Pi (no /proc/device-tree/model)'
  try {
    model = readFileSync('/proc/device-tree/model', 'utf8').replace(/\0/g, '').trim()
  } catch {
    /* not a Pi */
  }
  return `tonypi-monitor ${version}, Bun ${Bun.version}, Linux ${release()} ${arch()}, ${model}`
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', info: '--  ' }

/** The report to paste into an issue, fenced so it keeps its layout. */
export function formatReport(checks: readonly Check[], o: SelftestOptions, now = new Date()): string {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`
  const setup =
    o.protocol === 'lx'
      ? `hat (LX bus) on ${o.port} at ${o.baud} baud, TONYPI_GPIO=${o.gpio}, I2C ${o.i2cBus}, ${o.pack} pack`
      : `controller board on ${o.port} at ${o.baud} baud, ${o.pack} pack`
  return [
    '```',
    `TonyPi Monitor selftest, ${now.toISOString()}`,
    describeHost(),
    setup,
    ...checks.map((c) => `[${MARK[c.status]}] ${c.name}: ${c.detail}`),
    `result: ${count('ok')} ok, ${plural(count('warn'), 'warning')}, ${plural(count('fail'), 'failure')}`,
    '```',
  ].join('\n')
}
