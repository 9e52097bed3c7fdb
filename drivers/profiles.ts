// Chooses and opens the robot's driver from configuration: `sim`, `tonypi-hat`,
// `tonypi-board`, `legacy-client`, or `auto`, which listens for the earlier Python client, then
// probes the serial port, and says what it found and why.
import { existsSync } from 'node:fs'
import type { EdgeConfig } from '../core/config.ts'
import { ConfigError } from '../core/config.ts'
import type { Logger } from '../core/log.ts'
import { servoSpecs } from '../core/servo-config.ts'
import { LEGACY_CLIENT_SERVOS } from '../core/tonypi-servos.ts'
import { BoardDriver } from './board/board-driver.ts'
import { BoardFrameDecoder } from './codecs/board.ts'
import { encodePosRead, isLxReplyTo, LxFrameDecoder } from './codecs/lx-bus.ts'
import { HatDriver } from './hat/hat-driver.ts'
import type { RobotDriver, ServoInfo } from './robot-driver.ts'
import { SimDriver } from './sim/sim-driver.ts'
import { openHalfDuplexDirection, type HalfDuplexDirection, type HalfDuplexPins } from './transports/half-duplex.ts'
import { openGpioOutput, type GpioLine, type GpioOutputOptions } from './transports/gpio.ts'
import { openI2cBus, type I2cBus } from './transports/i2c.ts'
import { openSerialPort, ReopeningSerialPort } from './transports/uart.ts'

export const DEFAULT_BAUD = { 'tonypi-hat': 115_200, 'tonypi-board': 1_000_000 } as const

export function parseGpio(spec: string): HalfDuplexPins | 'none' {
  if (spec === 'none') return 'none'
  const m = /^(?:(\/dev\/gpiochip\d+):)?(\d+),(\d+)$/.exec(spec)
  if (!m) throw new ConfigError('TONYPI_GPIO', `expected TX,RX like 27,4 or none, got ${JSON.stringify(spec)}`)
  return { txEnable: Number(m[2]), rxEnable: Number(m[3]), ...(m[1] ? { chip: m[1] } : {}) }
}

type HwProfile = 'tonypi-hat' | 'tonypi-board'

/** How the hat's GPIO lines and I2C bus are opened: the real devices, or twins in tests. */
export interface HatDevices {
  gpio: (o: GpioOutputOptions) => GpioLine
  i2c: (path: string) => I2cBus
}
export const REAL_HAT_DEVICES: HatDevices = { gpio: openGpioOutput, i2c: openI2cBus }

async function openHat(cfg: EdgeConfig, servos: ServoInfo[], log: Logger, devices: HatDevices): Promise<RobotDriver> {
  const baud = cfg.serialBaud ?? DEFAULT_BAUD['tonypi-hat']
  const direction = openHalfDuplexDirection(parseGpio(cfg.gpio), devices.gpio, { baud })
  let port
  try {
    port = ReopeningSerialPort.open(cfg.serialPort, { baud, onState: (e) => log.warn('servo bus link', { state: e.state, path: e.path }) })
  } catch (err) {
    direction.close()
    throw err
  }
  let i2c = null
  if (cfg.i2cBus !== 'none') {
    try {
      i2c = devices.i2c(cfg.i2cBus)
    } catch (err) {
      log.warn('I2C bus unavailable: no IMU, no battery', { bus: cfg.i2cBus, error: err as Error })
    }
  }
  const { driver, notes } = await HatDriver.open({ port, direction, i2c, servos })
  for (const n of notes) log[n.level](n.text)
  return driver
}

function openBoard(cfg: EdgeConfig, servos: ServoInfo[], log: Logger): RobotDriver {
  const baud = cfg.serialBaud ?? DEFAULT_BAUD['tonypi-board']
  // clearModemLines: a board on a USB serial adapter may take DTR/RTS as its reset (uart.ts).
  const port = ReopeningSerialPort.open(cfg.serialPort, {
    baud,
    clearModemLines: true,
    onState: (e) => log.warn('board link', { state: e.state, path: e.path }),
  })
  return new BoardDriver(port, servos, {}, (e) => log.warn('board link error', { error: e }))
}

/** Listens for the board's own reports; sends a servo read on the LX wire. */
async function probe(cfg: EdgeConfig, servos: ServoInfo[], devices: HatDevices): Promise<{ profile: HwProfile | null; why: string }> {
  if (!existsSync(cfg.serialPort)) return { profile: null, why: `${cfg.serialPort} does not exist` }
  try {
    const port = openSerialPort(cfg.serialPort, { baud: DEFAULT_BAUD['tonypi-board'], clearModemLines: true })
    try {
      const dec = new BoardFrameDecoder()
      const end = performance.now() + 400
      while (performance.now() < end) {
        if (await port.waitReadable(end - performance.now())) dec.push(port.read(4096))
        if (dec.stats.frames > 0) return { profile: 'tonypi-board', why: `controller board frames on ${cfg.serialPort} at 1 Mbaud` }
      }
    } finally {
      port.close()
    }
  } catch (err) {
    return { profile: null, why: `cannot open ${cfg.serialPort}: ${(err as Error).message}` }
  }
  let direction: HalfDuplexDirection | null = null
  try {
    direction = openHalfDuplexDirection(parseGpio(cfg.gpio), devices.gpio, { baud: DEFAULT_BAUD['tonypi-hat'] })
    const port = openSerialPort(cfg.serialPort, { baud: DEFAULT_BAUD['tonypi-hat'] })
    try {
      const dec = new LxFrameDecoder()
      for (const s of servos.slice(0, 3)) {
        const req = encodePosRead(s.id)
        port.flush()
        await direction.request(port, req)
        const end = performance.now() + 20
        while (performance.now() < end) {
          if (await port.waitReadable(end - performance.now())) {
            if (dec.push(port.read(64)).some((f) => isLxReplyTo(f, req))) {
              return { profile: 'tonypi-hat', why: `servo ${s.id} answered on the LX bus at ${cfg.serialPort}` }
            }
          }
        }
      }
    } finally {
      port.close()
    }
    return { profile: null, why: `no board frames and no LX servo answered on ${cfg.serialPort}` }
  } catch (err) {
    return { profile: null, why: `LX probe failed: ${(err as Error).message}` }
  } finally {
    direction?.close()
  }
}

/**
 * The earlier Python client on this robot (the edge's broker is where it is heard, so the edge
 * supplies this): `listen` resolves with what was heard, or null after `ms`; `open` gives the
 * driver that speaks to it.
 */
export interface EarlierClientAccess {
  listen(ms: number): Promise<string | null>
  open(servos: ServoInfo[]): RobotDriver
}

export async function openRobotDriver(
  cfg: EdgeConfig,
  log: Logger,
  devices: HatDevices = REAL_HAT_DEVICES,
  earlier?: EarlierClientAccess,
): Promise<RobotDriver> {
  const servos = servoSpecs(cfg)
  let profile = cfg.profile
  const openEarlier = () => {
    if (!earlier) throw new ConfigError('TONYPI_PROFILE', "legacy-client speaks to the earlier client through the edge's own broker; start it with the edge")
    return earlier.open(servoSpecs(cfg, LEGACY_CLIENT_SERVOS))
  }
  if (profile === 'auto') {
    // Listened for first: when the earlier client runs it holds the robot's serial port, and a
    // probe would set that port's speed under it.
    if (earlier && cfg.legacyWaitS > 0) {
      const heard = await earlier.listen(cfg.legacyWaitS * 1000)
      if (heard) {
        log.info('profile auto: the earlier Python client drives this robot, using legacy-client (no serial port, I2C bus or GPIO is opened)', {
          profile: 'legacy-client',
          why: heard,
        })
        return openEarlier()
      }
      log.info(`profile auto: no earlier Python client heard on loopback within ${cfg.legacyWaitS} s; probing the hardware`)
    }
    const found = await probe(cfg, servos, devices)
    profile = found.profile ?? 'sim'
    log.info(found.profile ? 'profile auto: hardware found' : 'profile auto: no hardware found, using the simulated TonyPi', { profile, why: found.why })
  }
  switch (profile) {
    case 'legacy-client':
      return openEarlier()
    case 'tonypi-hat':
      return openHat(cfg, servos, log, devices)
    case 'tonypi-board':
      return openBoard(cfg, servos, log)
    default:
      return new SimDriver({ seed: cfg.simSeed, pack: cfg.batteryPack, servos })
  }
}
