// `bun drivers/sim/cli.ts --protocol lx|board [--baud N] [--seed N]`: a simulated TonyPi on a pty,
// for pointing an edge at without a robot. Prints the path and the environment to set, then runs
// until Ctrl-C. Lines typed on stdin inject faults or move the robot (type "help").

import { parseArgs } from 'node:util'
import { LX_DEFAULT_BAUD } from './lx-bus-device.ts'
import { BOARD_DEFAULT_BAUD } from './board-device.ts'
import { startSimulator, type SimProtocol, type SimulatorServer } from './pty-server.ts'
import { wallClockMs } from './wire.ts'

export interface CliOptions {
  protocol: SimProtocol
  baud: number
  seed: number
}

const USAGE = 'usage: bun drivers/sim/cli.ts --protocol lx|board [--baud N] [--seed N]'

/** Throws an Error whose message is meant for the user. */
export function parseCliArgs(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      protocol: { type: 'string' },
      baud: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) throw new Error(USAGE)
  const protocol = values.protocol
  if (protocol !== 'lx' && protocol !== 'board') throw new Error(`--protocol must be lx or board\n${USAGE}`)
  const baud = values.baud === undefined ? (protocol === 'lx' ? LX_DEFAULT_BAUD : BOARD_DEFAULT_BAUD) : Number(values.baud)
  if (!Number.isInteger(baud) || baud <= 0) throw new Error(`--baud must be a positive integer, got ${values.baud}`)
  const seed = values.seed === undefined ? 1 : Number(values.seed)
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`)
  return { protocol, baud, seed }
}

/** The environment an edge needs to use this simulator. */
export function edgeEnv(o: CliOptions, path: string): string {
  const defaultBaud = o.protocol === 'lx' ? LX_DEFAULT_BAUD : BOARD_DEFAULT_BAUD
  const baud = o.baud === defaultBaud ? '' : ` TONYPI_SERIAL_BAUD=${o.baud}`
  // The hat's I2C devices (IMU, battery) cannot be served to another process: there is no pty
  // equivalent for I2C, so the edge is told there is no bus and reports imu: null.
  return o.protocol === 'lx'
    ? `TONYPI_PROFILE=tonypi-hat TONYPI_SERIAL_PORT=${path}${baud} TONYPI_I2C_BUS=none TONYPI_GPIO=none`
    : `TONYPI_PROFILE=tonypi-board TONYPI_SERIAL_PORT=${path}${baud}`
}

const HELP = `commands:
  silent <id> | answer <id>   servo stops / resumes answering
  corrupt [n]                 flip a bit in the next n frames (default 1)
  noise <rate> | quiet        corrupt each byte with probability rate / stop corrupting
  pull | hangup | plug        cable off (port stays) / port gone (EIO) / reconnect
  fall front|back | standup   topple the robot / get it up
  status | help`

/** Apply one stdin command; returns what to print. */
export function runCommand(server: SimulatorServer, line: string): string {
  const [cmd, arg] = line.trim().split(/\s+/)
  const faults = server.faults
  const model = server.device.model
  const id = Number(arg)
  switch (cmd) {
    case undefined:
    case '':
      return ''
    case 'silent':
    case 'answer':
      if (!model.servoIds.includes(id)) return `no servo ${arg}; ids are ${model.servoIds.join(',')}`
      if (cmd === 'silent') faults.silent(id)
      else faults.answer(id)
      return `silent servos: ${faults.silentIds.join(',') || 'none'}`
    case 'corrupt':
      faults.corruptNext({ frames: arg ? Math.max(1, Math.floor(id) || 1) : 1 })
      return 'next frame(s) will be corrupted'
    case 'noise':
      faults.corruptRate(Number(arg))
      return `corrupting each byte with probability ${arg}`
    case 'quiet':
      faults.stopCorrupting()
      return 'corruption off'
    case 'pull':
      faults.pullCable('silent')
      return 'cable pulled: no bytes in or out'
    case 'hangup':
      server.hangup()
      return 'hung up: the client sees EIO'
    case 'plug':
      faults.plugIn()
      return `plugged in on ${server.path}`
    case 'fall':
      if (arg !== 'front' && arg !== 'back') return 'fall front|back'
      model.fall(arg, wallClockMs())
      return `falling onto its ${arg}`
    case 'standup':
      model.standUp(wallClockMs())
      return 'standing up'
    case 'status':
      return (
        `path ${server.path}, cable ${faults.cable}, silent ${faults.silentIds.join(',') || 'none'}, ` +
        `bytes in ${server.device.stats.bytesIn} out ${server.device.stats.bytesOut}, collisions ${server.device.stats.collisions}`
      )
    case 'help':
      return HELP
    default:
      return `unknown command ${cmd}; type help`
  }
}

async function main(): Promise<void> {
  let opts: CliOptions
  try {
    opts = parseCliArgs(process.argv.slice(2))
  } catch (err) {
    console.error((err as Error).message)
    process.exit(2)
  }
  // Signals first: the path printed below tells a client it may start, and a client that stops
  // the simulator at once must find the handlers in place (starting the pty's helper thread can
  // let the pump answer before the lines after startSimulator have run).
  let server: SimulatorServer | null = null
  // The pump's waits do not hold the process open by themselves (the poll thread is unref'd).
  const keepAlive = setInterval(() => {}, 1 << 30)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    clearInterval(keepAlive)
    await server?.stop()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  server = startSimulator({
    protocol: opts.protocol,
    baud: opts.baud,
    seed: opts.seed,
    onPath: (path) => {
      console.log(`TonyPi simulator (${opts.protocol === 'lx' ? 'LX bus servos' : 'STM32 board'}, ${opts.baud} baud, seed ${opts.seed}) on ${path}`)
      console.log(`  ${edgeEnv(opts, path)}`)
    },
  })
  console.log('Ctrl-C to stop; type "help" for fault commands.')
  for await (const line of console) {
    const out = runCommand(server, line)
    if (out) console.log(out)
  }
  // stdin closed (not a terminal, or Ctrl-D): keep serving until a signal.
}

if (import.meta.main) await main()
