import { describe, expect, test } from 'bun:test'
import { createMemorySerialPair, MemoryGpioChip, MemoryGpioLine, MemoryI2cBus, RegisterMapDevice } from './memory.ts'
import { readExact } from './serial-port.ts'
import { bytes, rejected, thrown } from './test-support.ts'

describe('MemorySerialPort pair', () => {
  test('instant mode: what one end writes the other reads, both ways', async () => {
    const [a, b] = createMemorySerialPair()
    await a.write(bytes(1, 2, 3))
    expect(await b.waitReadable(0)).toBe(true)
    expect(b.read()).toEqual(bytes(1, 2, 3))
    expect(b.read().length).toBe(0)
    await b.write(bytes(4))
    expect(a.read(10)).toEqual(bytes(4))
    expect(a.written).toEqual([1, 2, 3])
  })

  test('read(max) returns at most max and keeps the rest', async () => {
    const [a, b] = createMemorySerialPair()
    await a.write(bytes(1, 2, 3, 4, 5))
    expect(b.read(2)).toEqual(bytes(1, 2))
    expect(b.read()).toEqual(bytes(3, 4, 5))
  })

  test('waitReadable: false after the timeout, true as soon as the peer writes', async () => {
    const [a, b] = createMemorySerialPair()
    const t0 = performance.now()
    expect(await b.waitReadable(20)).toBe(false)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19)
    setTimeout(() => void a.write(bytes(9)), 5)
    expect(await b.waitReadable(1000)).toBe(true)
  })

  test('wire timing at 115200: 14 bytes take 10 bits each, byte by byte', async () => {
    const [a, b] = createMemorySerialPair({ baud: 115200 })
    const frame = new Uint8Array(14).fill(0x55)
    const t0 = performance.now()
    await a.write(frame)
    const got = await readExact(b, 14, 100)
    const elapsed = performance.now() - t0
    expect(got).toEqual(frame)
    const wire = (14 * 10 * 1000) / 115200 // 1.215 ms
    expect(elapsed).toBeGreaterThanOrEqual(wire - 0.01)
    expect(elapsed).toBeLessThan(wire + 50) // generous: a loaded test machine
  })

  test('wire timing: partial arrival, and drain() waits for the last byte to leave', async () => {
    const [a, b] = createMemorySerialPair({ baud: 1200 }) // 8.3 ms a byte, 83 ms for 10
    const t0 = performance.now()
    await a.write(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    await Bun.sleep(20) // wire time is the thing under test: part way through the frame
    const early = b.read()
    expect(early.length).toBeGreaterThanOrEqual(2)
    expect(early.length).toBeLessThan(10)
    await a.drain()
    expect(performance.now() - t0).toBeGreaterThanOrEqual((10 * 10 * 1000) / 1200 - 0.01)
    expect(b.read().length).toBe(10 - early.length)
  })

  test('back-to-back writes queue on the wire', async () => {
    const [a, b] = createMemorySerialPair({ baud: 10_000 }) // 1 ms a byte
    const t0 = performance.now()
    await a.write(bytes(1, 2))
    await a.write(bytes(3, 4))
    await readExact(b, 4, 100)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4 - 0.01)
  })

  test('flush drops what has arrived, not what is still on the wire', async () => {
    const [a, b] = createMemorySerialPair({ baud: 1200 })
    await a.write(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    await Bun.sleep(20) // wire time under test: about 2 bytes across
    b.flush()
    const rest = await readExact(b, 1, 200)
    expect(rest[0]).toBeGreaterThan(2)
  })

  test('hangup: the peer fails with EIO like a real tty; close: ECLOSED', async () => {
    const [a, b] = createMemorySerialPair()
    const waiting = rejected(b.waitReadable(1000))
    a.hangup()
    const err = await waiting
    expect(err.code).toBe('EIO')
    expect(err.disconnected).toBe(true)
    expect(b.isOpen).toBe(false)
    expect(thrown(() => a.read()).code).toBe('ECLOSED')
    expect((await rejected(a.write(bytes(1)))).code).toBe('ECLOSED')
  })

  test('writing to a closed peer drops the bytes (nobody on the wire)', async () => {
    const [a, b] = createMemorySerialPair()
    b.close()
    await a.write(bytes(1))
    expect(a.isOpen).toBe(true)
  })
})

describe('MemoryI2cBus with a register-map device', () => {
  test('MPU6050-style register access: pointer write, auto-increment, burst read', async () => {
    const mpu = new RegisterMapDevice({ 117: 0x68 })
    const bus = new MemoryI2cBus().attach(0x68, mpu)
    expect(await bus.writeRead(0x68, bytes(0x75), 1)).toEqual(bytes(0x68))
    await bus.write(0x68, bytes(0x6b, 0x00, 0x07))
    expect(mpu.regs[0x6b]).toBe(0x00)
    expect(mpu.regs[0x6c]).toBe(0x07)
    mpu.onRead = (reg, dev) => {
      if (reg === 0x3b) dev.regs.set([0x40, 0x00], 0x3b) // +1 g on X at +/-2 g
    }
    const burst = await bus.writeRead(0x68, bytes(0x3b), 14)
    expect(burst.length).toBe(14)
    expect((burst[0]! << 8) | burst[1]!).toBe(16384)
    expect(bus.log.at(-1)).toEqual({ addr: 0x68, write: [0x3b], readLen: 14 })
  })

  test('an empty address NACKs with the same message as the real bus', async () => {
    const bus = new MemoryI2cBus('/dev/i2c-1')
    const err = await rejected(bus.writeRead(0x68, bytes(0x75), 1))
    expect(err.code).toBe('EREMOTEIO')
    expect(err.message).toContain('no device answered at 0x68')
    bus.attach(0x7a, new RegisterMapDevice()).detach(0x7a)
    expect((await rejected(bus.write(0x7a, bytes(0)))).code).toBe('EREMOTEIO')
    bus.close()
    expect((await rejected(bus.write(0x7a, bytes(0)))).code).toBe('ECLOSED')
  })
})

describe('MemoryGpioLine', () => {
  test('records every value and refuses use after close', () => {
    const log: string[] = []
    const line = new MemoryGpioLine('gpio17', 1, log)
    line.set(0)
    line.set(1)
    expect(line.history).toEqual([1, 0, 1])
    expect(line.value).toBe(1)
    expect(log).toEqual(['gpio17=0', 'gpio17=1'])
    line.close()
    expect(thrown(() => line.set(0)).code).toBe('ECLOSED')
  })
})

describe('MemoryGpioChip', () => {
  test('levels over time: driven while requested, the idle level before and after', async () => {
    const chip = new MemoryGpioChip().setIdleLevel(4, 1)
    const t0 = performance.now()
    // The timeline records levels against time: these pauses are the intervals it must tell apart.
    await Bun.sleep(2)
    const line = chip.open({ line: 4, initial: 0 })
    const tOpen = line.timeline[0]!.at
    await Bun.sleep(2)
    line.set(1)
    const tHigh = line.timeline[1]!.at
    await Bun.sleep(2)
    line.close()
    expect(chip.levelAt(4, t0)).toBe(1) // pulled up before anyone drove it
    expect(chip.levelAt(4, tOpen + 0.5)).toBe(0)
    expect(chip.levelAt(4, tHigh + 0.5)).toBe(1)
    expect(chip.levelAt(4, performance.now())).toBe(1) // released: back to the pull-up
    expect(chip.levelAt(17, t0)).toBe(0) // default idle level
  })

  test('a long history answers each instant as a linear scan would', () => {
    const line = new MemoryGpioLine('gpio27', 1)
    for (let i = 0; i < 20_000; i++) line.set((i % 2) as 0 | 1)
    const linear = (t: number) => line.timeline.filter((e) => e.at <= t).at(-1)!.value
    for (const e of line.timeline.filter((_, i) => i % 997 === 0)) {
      expect(line.levelAt(e.at)).toBe(linear(e.at))
      expect(line.levelAt(e.at + 1e-4)).toBe(linear(e.at + 1e-4))
    }
  })

  test('listeners hear of every change before it happens', () => {
    const chip = new MemoryGpioChip()
    const seen: string[] = []
    const off = chip.onBeforeChange(() => seen.push(`level ${chip.lines.get(27)?.value ?? 'none'}`))
    const line = chip.open({ line: 27, initial: 1 })
    line.set(0)
    line.close()
    off()
    chip.open({ line: 4, initial: 0 })
    expect(seen).toEqual(['level none', 'level 1', 'level 0'])
  })

  test('a line already requested is refused with EBUSY, as the kernel does; released, it can be requested again', () => {
    const chip = new MemoryGpioChip()
    const a = chip.open({ line: 27, initial: 1 })
    expect(thrown(() => chip.open({ line: 27, initial: 0 })).code).toBe('EBUSY')
    a.close()
    expect(chip.open({ line: 27, initial: 0 }).value).toBe(0)
    expect(chip.requests.length).toBe(2)
  })
})
