import { afterEach, describe, expect, test } from 'bun:test'
import { LxFrameDecoder, decodePosReply, encodeMoveTimeWrite, encodePosRead } from '../codecs/index.ts'
import { ReopeningSerialPort, TransportError, openSerialPort, readExact, type FdSerialPort, type ReopenEvent } from '../transports/index.ts'
import type { SimulatedLxBus } from './lx-bus-device.ts'
import { startLxSimulator, type SimPtyServer } from './pty-server.ts'
import { wireTimeMs } from './wire.ts'
import { waitFor } from '../../test/support/wait-for.ts'

/** How long "no reply" is waited for: a real reply comes within 2 ms. */
const SILENCE_MS = 30

const servers: SimPtyServer<SimulatedLxBus>[] = []
const ports: { close(): void }[] = []
afterEach(async () => {
  for (const p of ports.splice(0)) p.close()
  for (const s of servers.splice(0)) await s.stop()
})

function lx(opts: Parameters<typeof startLxSimulator>[0] = {}) {
  const server = startLxSimulator(opts)
  servers.push(server)
  return server
}

function open(path: string): FdSerialPort {
  const port = openSerialPort(path, { baud: 115200 })
  ports.push(port)
  return port
}

/**
 * One position read; the reply frame, or null after timeoutMs. The default is generous because a
 * loaded machine can delay any wake-up; tests expecting silence pass a short one.
 */
async function readPosition(port: Parameters<typeof readExact>[0], id: number, decoder: LxFrameDecoder, timeoutMs = 500) {
  await port.write(encodePosRead(id))
  const deadline = performance.now() + timeoutMs
  let got = 0
  // Done at a frame, or once a reply's worth of bytes arrived that did not decode (corrupted).
  while (performance.now() < deadline && got < 8) {
    if (!(await port.waitReadable(deadline - performance.now()))) break
    const bytes = port.read()
    got += bytes.length
    const [f] = decoder.push(bytes)
    if (f) return f
  }
  return null
}

describe('wire timing over the pty', () => {
  test('a 16-servo position sweep at 115200 takes at least the physical time, and not much more', async () => {
    const server = lx()
    const host = open(server.path)
    await host.whenWorkerReady()
    // HARDWARE.md: 6 bytes out + 8 back = 1.22 ms on the wire, plus the servo's turnaround.
    const physical = 16 * (wireTimeMs(14, 115200) + server.device.turnaroundMs)
    const sweep = async () => {
      const t = performance.now()
      for (let id = 1; id <= 16; id++) {
        await host.write(encodePosRead(id))
        await readExact(host, 8, 1000)
      }
      return performance.now() - t
    }
    // Scheduling noise on a shared machine only ever adds time, so sweep until one shows what the
    // simulator itself costs (typically 25..27 ms against 24.3 ms physical), within a budget.
    const bound = physical * 1.5
    const sweeps: number[] = []
    const budget = performance.now() + 4000
    do sweeps.push(await sweep())
    while ((sweeps.length < 3 || Math.min(...sweeps) >= bound) && performance.now() < budget)
    if (process.env.SIM_TIMING_LOG) console.log('physical', physical.toFixed(2), 'sweeps', sweeps.map((s) => s.toFixed(1)).join(' '))
    // Never faster than the wire: the simulator holds every byte back for its wire time.
    for (const s of sweeps) expect(s).toBeGreaterThanOrEqual(physical - 0.05)
    expect(Math.min(...sweeps)).toBeLessThan(bound)
    expect(server.device.stats.collisions).toBe(0)
  })

  test('a host that does not wait for the reply collides with it', async () => {
    const server = lx()
    const host = open(server.path)
    const decoder = new LxFrameDecoder()
    // Back to back: the second request is still on the wire when the first reply starts.
    await host.write(encodePosRead(1))
    await host.write(encodePosRead(2))
    let received = 0
    const frames: ReturnType<LxFrameDecoder['push']> = []
    /** Reads what has come, then asks `done`. */
    const took = (done: () => boolean) => () => {
      const b = host.read()
      received += b.length
      frames.push(...decoder.push(b))
      return done()
    }
    await waitFor(
      'the first reply, talked over',
      took(() => received >= 8),
      2000,
      5,
    )
    expect(server.device.stats.collisions).toBeGreaterThan(0)
    // The servos answer in order: a reply to 2, had the collision spared its request, would come before this one.
    await host.write(encodePosRead(3))
    await waitFor(
      'the reply to a later request',
      took(() => frames.some((f) => f.id === 3)),
      2000,
      5,
    )
    expect(frames.filter((f) => f.id === 2)).toHaveLength(0)
  })
})

describe('faults over the pty', () => {
  test('a silent servo times out; the rest answer; it answers again when restored', async () => {
    const server = lx()
    const host = open(server.path)
    const d = new LxFrameDecoder()
    server.faults.silent(5)
    expect(await readPosition(host, 5, d, SILENCE_MS)).toBeNull()
    expect(await readPosition(host, 6, d)).not.toBeNull()
    server.faults.answer(5)
    expect(await readPosition(host, 5, d)).not.toBeNull()
  })

  test('corrupt bytes show up as the host decoder’s checksum errors', async () => {
    const server = lx()
    const host = open(server.path)
    const d = new LxFrameDecoder()
    server.faults.corruptNext({ frames: 3 })
    for (let i = 0; i < 5; i++) await readPosition(host, 1, d)
    expect(d.stats.checksumErrors).toBe(3)
    expect(d.stats.frames).toBe(2)
  })

  test('a pulled cable answers nothing until plugged back in', async () => {
    const server = lx()
    const host = open(server.path)
    const d = new LxFrameDecoder()
    server.faults.pullCable()
    expect(await readPosition(host, 1, d, SILENCE_MS)).toBeNull()
    await host.write(encodeMoveTimeWrite(1, 100, 0)) // lost with the cable
    server.faults.plugIn()
    const f = await readPosition(host, 1, d)
    expect(f).not.toBeNull()
    expect(Math.abs(decodePosReply(f!) - 500)).toBeLessThanOrEqual(2)
  })

  test('a hang-up gives the host EIO; replug serves a new pty that ReopeningSerialPort finds', async () => {
    const paths: string[] = []
    const server = lx({ onPath: (p) => paths.push(p) })
    const events: ReopenEvent['state'][] = []
    const port = ReopeningSerialPort.open(server.pathFn, { baud: 115200, minDelayMs: 10, onState: (e) => events.push(e.state) })
    ports.push(port)
    const d = new LxFrameDecoder()
    expect(await readPosition(port, 1, d)).not.toBeNull()

    const first = server.path
    server.hangup()
    expect(server.faults.cable).toBe('hung-up')
    let lost: unknown = null
    try {
      await readPosition(port, 1, d)
    } catch (err) {
      lost = err
    }
    expect(lost).toBeInstanceOf(TransportError)
    expect((lost as TransportError).code).toBe('EIO')

    const second = server.replug()
    expect(paths).toEqual([first, second])
    expect(await port.whenOpen(2000)).toBe(true)
    expect(events).toContain('lost')
    expect(events.at(-1)).toBe('open')
    expect(await readPosition(port, 1, d)).not.toBeNull()
    expect(server.stats.ptysOpened).toBe(2)
  })

  test('stop() closes the pty and is idempotent', async () => {
    const server = startLxSimulator()
    const host = open(server.path)
    await server.stop()
    await server.stop()
    expect(() => host.read()).toThrow(TransportError)
  })
})
