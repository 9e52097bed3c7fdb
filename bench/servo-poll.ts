// Servo position polling against the wire's physical limit, with the byte-level simulator
// on a real pty enforcing wire timing: 16 position reads a sweep, each 6 bytes out and 8
// back (10 bits a byte) plus the servo's turnaround (HARDWARE.md section 1).
import { servoSpecs } from '../core/servo-config.ts'
import { BoardDriver } from '../drivers/board/board-driver.ts'
import { HatDriver } from '../drivers/hat/hat-driver.ts'
import { startBoardSimulator, startLxSimulator } from '../drivers/sim/pty-server.ts'
import { LX_DEFAULT_TURNAROUND_MS } from '../drivers/sim/lx-bus-device.ts'
import { HalfDuplexDirection } from '../drivers/transports/half-duplex.ts'
import { openSerialPort } from '../drivers/transports/uart.ts'

const SERVOS = servoSpecs({ servoIds: '1-16' })
const IDS = SERVOS.map((s) => s.id)

/** Sweeps a second the wire allows: per read, 14 bytes at `baud` plus the turnaround. */
export function theoreticalSweepsPerS(baud: number, turnaroundMs: number, reads = 16): number {
  const perRead = (14 * 10 * 1000) / baud + turnaroundMs
  return 1000 / (perRead * reads)
}

async function sweepRate(readPositions: (ids: number[]) => Promise<Map<number, number | null>>, seconds: number) {
  for (let i = 0; i < 5; i++) await readPositions(IDS) // warm up: JIT, worker thread
  let sweeps = 0
  let missing = 0
  const start = performance.now()
  while (performance.now() - start < seconds * 1000) {
    const r = await readPositions(IDS)
    for (const v of r.values()) if (v === null) missing++
    sweeps++
  }
  return { sweeps_per_s: sweeps / ((performance.now() - start) / 1000), missing }
}

export async function benchServoPoll(seconds = 5) {
  const lx = startLxSimulator({ seed: 1 })
  let hat
  try {
    const port = openSerialPort(lx.path, { baud: 115_200 })
    const { driver } = await HatDriver.open({ port, direction: HalfDuplexDirection.none(), i2c: null, servos: SERVOS })
    const r = await sweepRate((ids) => driver.readPositions(ids), seconds)
    const max = theoreticalSweepsPerS(115_200, lx.device.turnaroundMs)
    hat = { ...r, theoretical: max, ratio: r.sweeps_per_s / max, turnaround_ms: lx.device.turnaroundMs }
    await driver.close()
  } finally {
    await lx.stop()
  }
  const bd = startBoardSimulator({ seed: 1 })
  let board
  try {
    const port = openSerialPort(bd.path, { baud: 1_000_000 })
    const driver = new BoardDriver(port, SERVOS)
    const r = await sweepRate((ids) => driver.readPositions(ids), seconds)
    // The board relays each read to its own 115200 LX bus (its firmware), so that wire
    // bounds it too; the 1 Mbaud link adds the request (7 bytes) and the reply (10 bytes).
    const perRead = (14 * 10 * 1000) / 115_200 + LX_DEFAULT_TURNAROUND_MS + (17 * 10 * 1000) / 1_000_000
    const max = 1000 / (16 * perRead)
    board = { ...r, theoretical: max, ratio: r.sweeps_per_s / max }
    await driver.close()
  } finally {
    await bd.stop()
  }
  return { hat, board }
}
