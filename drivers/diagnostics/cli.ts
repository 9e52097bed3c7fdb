// `bun run servo -- <scan|read|set-id|set-offset|limits|selftest> ...`: the servo bus, by hand,
// and the field check of a new robot (selftest.ts).
// Writes ask for confirmation (or --yes); every result is checked by reading it back.
import { EDGE_CONFIG_SPEC } from '../../core/config.ts'
import { parseServoIds } from '../../core/servo-config.ts'
import { BoardLink } from '../board/board-link.ts'
import { LxBusMaster } from '../hat/lx-bus-master.ts'
import { DEFAULT_BAUD, parseGpio } from '../profiles.ts'
import { openGpioOutput } from '../transports/gpio.ts'
import { openHalfDuplexDirection } from '../transports/half-duplex.ts'
import { openSerialPort } from '../transports/uart.ts'
import { BoardServoTool, LxServoTool, someoneAnswers, type ServoTool } from './servo-tool.ts'
import { formatReport, runSelftest, type SelftestDevices, type SelftestOptions } from './selftest.ts'

const DEFAULT_GPIO: string = EDGE_CONFIG_SPEC.properties.gpio.default

const USAGE = `usage: bun run servo -- <command> [options]
commands:
  scan [--ids 0-253]            list the servos that answer
  read <id>                     every parameter of one servo
  set-id <old> <new>            change a servo's id (connect only that servo!)
  set-offset <id> <-125..125>   trim and save a servo's centre offset
  limits <id> [<min> <max>]     read, or set, a servo's angle limits (0..1000)
  selftest (or doctor)          check the UART, the direction pins, the servos, I2C, the IMU at
                                rest and the battery; prints a report to paste into an issue
options:
  --protocol lx|board   the hat's LX bus (default) or the STM32 controller board
  --port PATH           default $TONYPI_SERIAL_PORT or /dev/ttyAMA0
  --baud N              default 115200 (lx) or 1000000 (board)
  --gpio TX,RX|none     the hat's direction pins, default $TONYPI_GPIO or ${DEFAULT_GPIO}
  --i2c PATH|none       the hat's I2C bus, default $TONYPI_I2C_BUS or /dev/i2c-1 (selftest)
  --ids 1-16            servos to look for, default $TONYPI_SERVO_IDS or 1-16 (selftest)
  --pack 2S|3S          battery pack, default $TONYPI_BATTERY_PACK or 2S (selftest)
  --reply-ms N          how long to wait for a reply, default 15 (lx) or 30 (board); more for a slow USB adapter
  --yes                 do not ask before writing`

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const opts: Record<string, string | boolean> = {}
  const pos: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--yes' || a === '-y') opts.yes = true
    else if (a === '--help' || a === '-h') opts.help = true
    else if (a.startsWith('--')) {
      const v = argv[++i]
      if (v === undefined) throw new UsageError(`${a} needs a value`)
      opts[a.slice(2)] = v
    } else pos.push(a)
  }
  return { opts, pos }
}

function int(s: string | undefined, what: string, min: number, max: number): number {
  const n = Number(s)
  if (s === undefined || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${what} must be a whole number in ${min}..${max}, got ${s ?? 'nothing'}`)
  return n
}

async function confirm(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true
  process.stdout.write(`${question} [y/N] `)
  for await (const line of console) return /^y(es)?$/i.test(line.trim())
  return false
}

/**
 * Runs one command; returns the exit code. `devices` replaces the real GPIO, I2C and serial
 * openers (tests wire in the simulator's twins).
 */
export async function main(argv: string[], out: (s: string) => void = (s) => console.log(s), devices: Partial<SelftestDevices> = {}): Promise<number> {
  const { opts, pos } = parseArgs(argv)
  if (opts.help || pos.length === 0) {
    out(USAGE)
    return opts.help ? 0 : 1
  }
  const protocol = String(opts.protocol ?? (process.env.TONYPI_PROFILE === 'tonypi-board' ? 'board' : 'lx'))
  if (protocol !== 'lx' && protocol !== 'board') throw new UsageError('--protocol is lx or board')
  const path = String(opts.port ?? process.env.TONYPI_SERIAL_PORT ?? '/dev/ttyAMA0')
  const baud = opts.baud ? int(String(opts.baud), '--baud', 1200, 4_000_000) : protocol === 'lx' ? DEFAULT_BAUD['tonypi-hat'] : DEFAULT_BAUD['tonypi-board']
  const gpio = String(opts.gpio ?? process.env.TONYPI_GPIO ?? DEFAULT_GPIO)
  const replyMs = opts['reply-ms'] === undefined ? undefined : int(String(opts['reply-ms']), '--reply-ms', 1, 5000)
  if (pos[0] === 'selftest' || pos[0] === 'doctor') {
    const pack = String(opts.pack ?? process.env.TONYPI_BATTERY_PACK ?? '2S')
    if (pack !== '2S' && pack !== '3S') throw new UsageError('--pack is 2S or 3S')
    const o: SelftestOptions = {
      protocol,
      port: path,
      baud,
      gpio,
      pack,
      devices,
      replyMs,
      i2cBus: String(opts.i2c ?? process.env.TONYPI_I2C_BUS ?? '/dev/i2c-1'),
      ids: parseServoIds(String(opts.ids ?? process.env.TONYPI_SERVO_IDS ?? '1-16'), '--ids'),
    }
    const checks = await runSelftest(o)
    out(formatReport(checks, o))
    return checks.some((c) => c.status === 'fail') ? 1 : 0
  }
  const port = (devices.serial ?? openSerialPort)(path, { baud, clearModemLines: protocol === 'board' })
  let tool: ServoTool
  let close: () => void
  if (protocol === 'lx') {
    const direction = openHalfDuplexDirection(parseGpio(gpio), devices.gpio ?? openGpioOutput, { baud })
    tool = new LxServoTool(new LxBusMaster(port, direction, { replyTimeoutMs: replyMs ?? 15, retries: 1 }))
    close = () => {
      port.close()
      direction.close()
    }
  } else {
    const link = new BoardLink(port, { replyTimeoutMs: replyMs ?? 30, retries: 1 })
    tool = new BoardServoTool(link)
    close = () => link.close()
  }
  try {
    const [cmd, a, b, c] = pos
    switch (cmd) {
      case 'scan': {
        const ids = parseServoIds(String(opts.ids ?? '0-253'), '--ids')
        let n = 0
        const found = await tool.scan(ids, (id) => {
          if (++n % 16 === 0 || n === ids.length) process.stderr.write(`\r  scanned ${n}/${ids.length} (id ${id})`)
        })
        process.stderr.write('\n')
        out(found.length ? `servos answering: ${found.join(', ')}` : 'no servo answered (check power, the cable, --port and --protocol)')
        return found.length ? 0 : 3
      }
      case 'read': {
        const id = int(a, 'id', 0, 253)
        const r = await tool.read(id)
        if (!r) {
          out(`servo ${id} does not answer`)
          return 3
        }
        out(JSON.stringify(r, null, 2))
        return 0
      }
      case 'set-id': {
        const from = int(a, 'old id', 0, 253)
        const to = int(b, 'new id', 0, 253)
        if (!(await tool.read(from))) {
          out(`servo ${from} does not answer`)
          return 3
        }
        if (await someoneAnswers(tool, to)) {
          out(`a servo already answers as ${to}: refusing to create two servos with one id`)
          return 4
        }
        if (!(await confirm(`Change servo ${from}'s id to ${to}?`, opts.yes === true))) {
          out('cancelled')
          return 5
        }
        await tool.setId(from, to)
        out(`servo ${from} is now ${to}`)
        return 0
      }
      case 'set-offset': {
        const id = int(a, 'id', 0, 253)
        const off = int(b, 'offset', -125, 125)
        const r = await tool.read(id)
        if (!r) {
          out(`servo ${id} does not answer`)
          return 3
        }
        if (!(await confirm(`Set servo ${id}'s offset from ${r.offset} to ${off} and save it?`, opts.yes === true))) {
          out('cancelled')
          return 5
        }
        await tool.setOffset(id, off)
        out(`servo ${id} offset saved: ${off}`)
        return 0
      }
      case 'limits': {
        const id = int(a, 'id', 0, 253)
        const r = await tool.read(id)
        if (!r) {
          out(`servo ${id} does not answer`)
          return 3
        }
        if (b === undefined) {
          out(`servo ${id} angle limits: ${r.angle_limit ? `${r.angle_limit.min}-${r.angle_limit.max}` : 'unknown'}`)
          return 0
        }
        const min = int(b, 'min', 0, 1000)
        const max = int(c, 'max', 0, 1000)
        if (min >= max) throw new UsageError('min must be below max')
        if (!(await confirm(`Set servo ${id}'s angle limits to ${min}-${max}?`, opts.yes === true))) {
          out('cancelled')
          return 5
        }
        await tool.setLimits(id, min, max)
        out(`servo ${id} angle limits: ${min}-${max}`)
        return 0
      }
      default:
        throw new UsageError(`unknown command ${cmd}`)
    }
  } finally {
    close()
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`servo: ${(err as Error).message}${err instanceof UsageError ? `\n\n${USAGE}` : ''}\n`)
      process.exit(2)
    },
  )
}
