import { describe, expect, test } from 'bun:test'
import { WireDevice, WireQueue, byteTimeMs, pushBounded, wireTimeMs } from './wire.ts'
import { SimFaults } from './faults.ts'

describe('wire timing', () => {
  test('8N1: 10 bits a byte', () => {
    expect(byteTimeMs(115200)).toBeCloseTo(0.0868, 4)
    expect(byteTimeMs(1_000_000)).toBe(0.01)
    // HARDWARE.md: a position read is 14 bytes, 1.22 ms at 115200.
    expect(wireTimeMs(14, 115200)).toBeCloseTo(1.215, 3)
    expect(() => byteTimeMs(0)).toThrow(RangeError)
  })

  test('a queue sends back to back and hands out each byte once its stop bit is done', () => {
    const q = new WireQueue(100_000) // 0.1 ms a byte
    q.send(Uint8Array.of(1, 2, 3), 10)
    q.send(Uint8Array.of(4), 10) // waits for the first frame to leave
    expect(q.busyUntilMs).toBeCloseTo(10.4, 9)
    expect(q.nextDueMs()).toBeCloseTo(10.1, 9)
    expect([...q.takeDue(10.05)]).toEqual([])
    expect([...q.takeDue(10.25)]).toEqual([1, 2])
    expect([...q.takeDue(11)]).toEqual([3, 4])
    expect(q.nextDueMs()).toBeNull()
  })

  test('placed bytes keep wire order; overlapping() finds bytes in flight', () => {
    const q = new WireQueue(100_000)
    q.send(Uint8Array.of(1, 2), 0)
    q.place({ value: 9, startMs: 0.05, endMs: 0.15 })
    expect(q.overlapping(0.1, 0.2).map((s) => s.value)).toEqual([9, 2]) // byte 1 ends at 0.1
    expect(q.overlapping(0.2, 0.3)).toEqual([]) // touching is not overlapping
    expect([...q.takeDue(1)]).toEqual([1, 9, 2])
  })

  test('clear() drops what is in flight and frees the transmitter', () => {
    const q = new WireQueue(100_000)
    q.send(Uint8Array.of(1, 2, 3), 0)
    expect(q.clear()).toBe(3)
    q.send(Uint8Array.of(4), 0)
    expect([...q.takeDue(0.1)]).toEqual([4])
  })

  test('pushBounded keeps the newest entries', () => {
    const log: number[] = []
    for (let i = 0; i < 10; i++) pushBounded(log, i, 3)
    expect(log).toEqual([7, 8, 9])
  })
})

/** Answers every byte with its complement, after a fixed delay. */
class Echoer extends WireDevice {
  heard: { value: number; at: number }[] = []
  constructor(opts: { halfDuplex?: boolean; echo?: boolean; faults?: SimFaults } = {}) {
    super({ baud: 100_000, ...opts })
  }
  protected override onHostByte(value: number, endMs: number): void {
    this.heard.push({ value, at: endMs })
    this.transmit(Uint8Array.of(~value & 0xff), endMs + 1)
  }
}

describe('WireDevice', () => {
  test('host bytes written at once are spread over the wire and acted on at their end', () => {
    const d = new Echoer()
    d.receive(Uint8Array.of(1, 2), 100)
    expect(d.heard.map((h) => h.at)).toEqual([100.1, 100.2])
    // Each answer starts 1 ms after its byte and takes 0.1 ms: [101.1, 101.2], then [101.2, 101.3].
    expect([...d.poll(101.15)]).toEqual([])
    expect([...d.poll(101.25)]).toEqual([0xfe])
    expect([...d.poll(101.35)]).toEqual([0xfd])
    expect(d.stats).toMatchObject({ bytesIn: 2, bytesOut: 2, collisions: 0 })
  })

  test('half duplex: a host byte over a device byte turns both into 0x00', () => {
    const d = new Echoer({ halfDuplex: true })
    d.receive(Uint8Array.of(0x0f), 0) // device answers over [1.1, 1.2]
    d.receive(Uint8Array.of(0x33), 1.15)
    expect(d.heard.map((h) => h.value)).toEqual([0x0f, 0x00])
    expect([...d.poll(5)]).toEqual([0x00, 0xff])
    expect(d.stats.collisions).toBe(1)
  })

  test('full duplex: the same timing does not collide', () => {
    const d = new Echoer()
    d.receive(Uint8Array.of(0x0f), 0)
    d.receive(Uint8Array.of(0x33), 1.15)
    expect([...d.poll(5)]).toEqual([0xf0, 0xcc])
  })

  test('echo returns the host bytes in wire order with the replies', () => {
    const d = new Echoer({ halfDuplex: true, echo: true })
    d.receive(Uint8Array.of(0x0f), 0)
    expect([...d.poll(5)]).toEqual([0x0f, 0xf0])
  })

  test('a pulled cable: nothing heard, nothing sent, in-flight bytes dropped', () => {
    const faults = new SimFaults()
    const d = new Echoer({ faults })
    d.receive(Uint8Array.of(1), 0)
    faults.pullCable()
    expect(d.poll(5).length).toBe(0)
    expect(d.nextEventMs()).toBeNull()
    d.receive(Uint8Array.of(2), 6)
    expect(d.heard.length).toBe(1)
    expect(d.stats.bytesDropped).toBe(1)
    faults.plugIn()
    d.receive(Uint8Array.of(3), 10)
    expect([...d.poll(20)]).toEqual([0xfc])
  })
})
