import { afterEach, describe, expect, test } from 'bun:test'
import {
  LX_REPLY_PARAM_COUNT,
  LxCmd,
  LxFrameDecoder,
  decodeLxReply,
  encodeAngleLimitWrite,
  encodeAngleOffsetAdjust,
  encodeIdRead,
  encodeIdWrite,
  encodeLedCtrlWrite,
  encodeLxFrame,
  encodeLxReply,
  encodeMoveStart,
  encodeMoveStop,
  encodeMoveTimeWaitWrite,
  encodeMoveTimeWrite,
  encodePosRead,
  encodeTempMaxLimitWrite,
  encodeTorque,
  encodeVinLimitWrite,
  type LxFrame,
} from '../codecs/index.ts'
import { fromHex, hex } from '../codecs/test-support.ts'
import { openSerialPort, readExact, type FdSerialPort } from '../transports/index.ts'
import { SimulatedTonyPi } from './model.ts'
import { SimulatedLxBus } from './lx-bus-device.ts'
import { startLxSimulator, type SimPtyServer } from './pty-server.ts'
import { byteTimeMs, wallClockMs } from './wire.ts'
import { waitFor } from '../../test/support/wait-for.ts'

const T0 = 1_700_000_000_000
const BT = byteTimeMs(115200)

function rig(opts: { servoIds?: number[]; echo?: boolean } = {}) {
  const model = new SimulatedTonyPi({ seed: 7, startMs: T0, servoIds: opts.servoIds })
  const twin = new SimulatedTonyPi({ seed: 7, startMs: T0, servoIds: opts.servoIds })
  const bus = new SimulatedLxBus({ model, echo: opts.echo })
  const host = new LxFrameDecoder()
  /** Send at t, then collect everything the host can read by `until`. */
  const exchange = (bytes: Uint8Array, t: number, until = t + 5): Uint8Array => {
    bus.receive(bytes, t)
    return bus.poll(until)
  }
  const frames = (bytes: Uint8Array): LxFrame[] => host.push(bytes)
  return { model, twin, bus, host, exchange, frames }
}

describe('SimulatedLxBus: replies from the model', () => {
  test("HARDWARE.md's read position request gets the model's position, byte for byte", () => {
    const { bus, twin, exchange } = rig()
    const request = fromHex('55 55 01 03 1c df')
    expect(encodePosRead(1)).toEqual(request)
    const reply = exchange(request, T0 + 100)
    twin.step(T0 + 100 + 6 * BT)
    const expected = encodeLxReply({ kind: 'POS_READ', id: 1, pos: twin.readPosition(1) })
    expect(hex(reply)).toBe(hex(expected))
    expect(hex(reply.subarray(0, 5))).toBe('55 55 01 05 1c')
    expect(bus.received.map((f) => hex(f.bytes))).toEqual([hex(request)])
  })

  test('reply bytes appear one at a time, each after its wire time, the first a turnaround after the request', () => {
    const { bus } = rig()
    const t = T0 + 50
    bus.receive(encodePosRead(3), t)
    const first = t + 6 * BT + 0.3 + BT
    // Epoch-ms floats resolve about 0.24 us: compare to a few microseconds, poll between bytes.
    expect(Math.abs(bus.nextEventMs()! - first)).toBeLessThan(3e-3)
    expect(bus.poll(first - BT / 2).length).toBe(0)
    expect(bus.poll(first + BT / 2).length).toBe(1)
    expect(bus.poll(first + 6.5 * BT).length).toBe(6)
    expect(bus.poll(first + 7.5 * BT).length).toBe(1)
    expect(bus.nextEventMs()).toBeNull()
  })

  test('temperature and voltage reads match the model (vectors: 1a / 1b replies)', () => {
    const { exchange, frames, twin } = rig()
    const at = T0 + 10
    const temp = frames(exchange(encodeLxFrame(2, LxCmd.TEMP_READ), at))
    const vin = frames(exchange(encodeLxFrame(2, LxCmd.VIN_READ), at + 10))
    twin.step(at + 6 * BT)
    expect(temp.map((f) => decodeLxReply(f))).toEqual([{ kind: 'TEMP_READ', id: 2, tempC: twin.readTemperature(2) }])
    twin.step(at + 10 + 6 * BT)
    expect(vin.map((f) => decodeLxReply(f))).toEqual([{ kind: 'VIN_READ', id: 2, mv: twin.readVoltage(2) }])
  })

  test('every read command in the table is answered with its reply length', () => {
    const { exchange, frames } = rig()
    let t = T0
    for (const [cmd, n] of Object.entries(LX_REPLY_PARAM_COUNT)) {
      t += 10
      const got = frames(exchange(encodeLxFrame(4, Number(cmd)), t))
      expect(got.length).toBe(1)
      expect(got[0].cmd).toBe(Number(cmd))
      expect(got[0].params.length).toBe(n!)
      expect(decodeLxReply(got[0])).toBeDefined()
    }
  })

  test('a position that dips below 0 is sent as a signed 16-bit value', () => {
    const { model, bus, exchange, frames } = rig()
    model.move([{ id: 3, position: 0 }], 0, T0)
    bus.servos.servo(3).offset = 12 // logical = physical - offset: reads about -12
    const [f] = frames(exchange(encodePosRead(3), T0 + 1000))
    const r = decodeLxReply(f)
    expect(r?.kind === 'POS_READ' && r.pos).toBeLessThan(-9)
  })
})

describe('SimulatedLxBus: writes', () => {
  test("HARDWARE.md's move vector moves servo 5 to 300 over a second, with no reply", () => {
    const { model, exchange } = rig()
    const move = fromHex('55 55 05 07 01 2c 01 e8 03 da')
    expect(encodeMoveTimeWrite(5, 300, 1000)).toEqual(move)
    expect(exchange(move, T0).length).toBe(0)
    const start = T0 + 10 * BT
    model.step(start + 500)
    expect(model.positionOf(5)).toBeCloseTo(400, 0) // halfway from 500
    model.step(start + 1000)
    expect(model.positionOf(5)).toBeCloseTo(300, 2)
  })

  test('MOVE_TIME_WAIT_WRITE waits for a broadcast MOVE_START; MOVE_TIME_READ reports the move', () => {
    const { model, exchange, frames } = rig()
    exchange(encodeMoveTimeWaitWrite(1, 700, 0), T0)
    exchange(encodeMoveTimeWaitWrite(9, 300, 0), T0 + 2)
    model.step(T0 + 500)
    expect(model.positionOf(1)).toBe(500)
    exchange(encodeMoveStart(254), T0 + 500)
    model.step(T0 + 2000)
    expect(model.positionOf(1)).toBe(700)
    expect(model.positionOf(9)).toBe(300)
    const [f] = frames(exchange(encodeLxFrame(1, LxCmd.MOVE_TIME_READ), T0 + 2000))
    expect(decodeLxReply(f)).toEqual({ kind: 'MOVE_TIME_READ', id: 1, pos: 700, timeMs: 0 })
  })

  test('MOVE_STOP halts a servo mid-move', () => {
    const { model, exchange } = rig()
    exchange(encodeMoveTimeWrite(1, 900, 2000), T0)
    exchange(encodeMoveStop(1), T0 + 1000)
    const held = model.positionOf(1)
    model.step(T0 + 3000)
    expect(model.positionOf(1)).toBeCloseTo(held, 9)
    expect(held).toBeGreaterThan(600)
    expect(held).toBeLessThan(800)
  })

  test("HARDWARE.md's broadcast torque-off reaches every servo and nobody replies", () => {
    const { model, exchange } = rig()
    const off = fromHex('55 55 fe 04 1f 00 de')
    expect(encodeTorque(254, false)).toEqual(off)
    expect(exchange(off, T0).length).toBe(0)
    expect(model.servoIds.every((id) => !model.isTorqueOn(id))).toBe(true)
    exchange(encodeTorque(3, true), T0 + 5)
    expect(model.isTorqueOn(3)).toBe(true)
    expect(model.isTorqueOn(4)).toBe(false)
  })

  test('ID_WRITE renames a servo: it answers to the new id only', () => {
    const { exchange, frames } = rig()
    exchange(encodeIdWrite(6, 40), T0)
    expect(frames(exchange(encodePosRead(6), T0 + 5)).length).toBe(0)
    const [f] = frames(exchange(encodeLxFrame(40, LxCmd.ID_READ), T0 + 10))
    expect(decodeLxReply(f)).toEqual({ kind: 'ID_READ', id: 40, servoId: 40 })
  })

  test('angle offset shifts the servo frame: the horn moves, the reading stays, the offset reads back', () => {
    const { model, exchange, frames } = rig()
    exchange(encodeAngleOffsetAdjust(1, 20), T0)
    model.step(T0 + 500)
    expect(model.positionOf(1)).toBe(520)
    const [pos] = frames(exchange(encodePosRead(1), T0 + 500))
    const r = decodeLxReply(pos)
    expect(r?.kind === 'POS_READ' && Math.abs(r.pos - 500)).toBeLessThanOrEqual(2)
    const [off] = frames(exchange(encodeLxFrame(1, LxCmd.ANGLE_OFFSET_READ), T0 + 510))
    expect(decodeLxReply(off)).toEqual({ kind: 'ANGLE_OFFSET_READ', id: 1, offset: 20 })
  })

  test('angle limits clamp moves; limits, voltage and temperature limits and LED read back', () => {
    const { model, exchange, frames } = rig()
    exchange(encodeAngleLimitWrite(2, 200, 600), T0)
    exchange(encodeMoveTimeWrite(2, 900, 0), T0 + 2)
    model.step(T0 + 2000)
    expect(model.positionOf(2)).toBe(600)
    exchange(encodeVinLimitWrite(2, 6000, 8400), T0 + 2000)
    exchange(encodeTempMaxLimitWrite(2, 70), T0 + 2002)
    exchange(encodeLedCtrlWrite(2, false), T0 + 2004)
    const read = (cmd: number, t: number) => decodeLxReply(frames(exchange(encodeLxFrame(2, cmd), t))[0])
    expect(read(LxCmd.ANGLE_LIMIT_READ, T0 + 2010)).toEqual({ kind: 'ANGLE_LIMIT_READ', id: 2, min: 200, max: 600 })
    expect(read(LxCmd.VIN_LIMIT_READ, T0 + 2020)).toEqual({ kind: 'VIN_LIMIT_READ', id: 2, minMv: 6000, maxMv: 8400 })
    expect(read(LxCmd.TEMP_MAX_LIMIT_READ, T0 + 2030)).toEqual({ kind: 'TEMP_MAX_LIMIT_READ', id: 2, limitC: 70 })
    expect(read(LxCmd.LED_CTRL_READ, T0 + 2040)).toEqual({ kind: 'LED_CTRL_READ', id: 2, ledOn: false })
  })
})

describe('SimulatedLxBus: the shared wire', () => {
  test('a silent servo neither answers nor obeys; the others carry on', () => {
    const { model, bus, exchange, frames } = rig()
    bus.faults.silent(4)
    expect(exchange(encodePosRead(4), T0).length).toBe(0)
    exchange(encodeMoveTimeWrite(4, 100, 0), T0 + 5)
    model.step(T0 + 2000)
    expect(model.positionOf(4)).toBe(600)
    expect(frames(exchange(encodePosRead(5), T0 + 2000)).length).toBe(1)
    bus.faults.answer(4)
    expect(frames(exchange(encodePosRead(4), T0 + 2010)).length).toBe(1)
  })

  test('broadcast ID_READ: one servo on the bus answers cleanly, sixteen garble each other', () => {
    const one = rig({ servoIds: [7] })
    const [f] = one.frames(one.exchange(encodeIdRead(), T0))
    expect(decodeLxReply(f)).toEqual({ kind: 'ID_READ', id: 7, servoId: 7 })

    const all = rig()
    const bytes = all.exchange(encodeIdRead(), T0)
    expect(bytes.length).toBe(7)
    expect(all.frames(bytes).length).toBe(0)
    expect(all.host.stats.checksumErrors).toBe(1)
    expect(all.bus.multiReplies).toBe(1)
  })

  test('talking over a reply collides: the reply fails its checksum and the new request is lost', () => {
    const { bus, frames, host } = rig()
    const t = T0 + 20
    bus.receive(encodePosRead(1), t)
    // The reply occupies [t + 6 BT + 0.3, t + 14 BT + 0.3]; start the next request in its middle.
    bus.receive(encodePosRead(2), t + 6 * BT + 0.3 + 4 * BT)
    const got = frames(bus.poll(t + 50))
    expect(got.length).toBe(0)
    expect(host.stats.checksumErrors + host.stats.badLength).toBeGreaterThan(0)
    expect(bus.stats.collisions).toBeGreaterThan(0)
    expect(bus.received.length).toBe(1) // only the first request was heard
  })

  test('a burst of requests is spread over the wire, so the second reply waits for the second request', () => {
    const { bus, frames } = rig()
    // Two requests written at once: the second is on the wire until 12 BT, and the first reply
    // (from 6 BT + 0.3 ms) would overlap it: that is the host's fault, and the bus shows it.
    const burst = new Uint8Array([...encodePosRead(1), ...encodePosRead(2)])
    bus.receive(burst, T0)
    frames(bus.poll(T0 + 50))
    expect(bus.stats.collisions).toBeGreaterThan(0)
  })

  test('echo: the host hears its own request before the reply when asked to', () => {
    const { exchange, frames } = rig({ echo: true })
    const request = encodePosRead(1)
    const got = frames(exchange(request, T0))
    expect(got.length).toBe(2)
    expect(hex(encodeLxFrame(got[0].id, got[0].cmd, got[0].params))).toBe(hex(request))
    expect(got[1].params.length).toBe(2)
  })

  test('without echo (the default) the host hears only replies', () => {
    const { exchange, frames } = rig()
    expect(frames(exchange(encodePosRead(1), T0)).length).toBe(1)
  })
})

describe('SimulatedLxBus over a real pty', () => {
  let server: SimPtyServer<SimulatedLxBus> | null = null
  let host: FdSerialPort | null = null
  afterEach(async () => {
    host?.close()
    host = null
    await server?.stop()
    server = null
  })

  test('request vectors get the exact reply bytes; a MOVE_TIME_WRITE moves the model', async () => {
    const start = wallClockMs()
    const model = new SimulatedTonyPi({ seed: 3, startMs: start })
    const twin = new SimulatedTonyPi({ seed: 3, startMs: start })
    server = startLxSimulator({ model })
    host = openSerialPort(server.path, { baud: 115200 })

    await host.write(fromHex('55 55 01 03 1c df'))
    const reply = await readExact(host, 8, 1000)
    // At rest the position does not depend on time, only on the noise sequence the twin repeats.
    expect(hex(reply)).toBe(hex(encodeLxReply({ kind: 'POS_READ', id: 1, pos: twin.readPosition(1) })))

    await host.write(encodeLxFrame(2, LxCmd.TEMP_READ))
    expect(hex(await readExact(host, 7, 1000))).toBe(hex(encodeLxReply({ kind: 'TEMP_READ', id: 2, tempC: 25 })))

    await host.write(fromHex('55 55 05 07 01 2c 01 e8 03 da'))
    // A busy machine may be slow to pump, never wrong.
    const { device } = server
    await waitFor(
      'the move received',
      () => {
        model.step(wallClockMs())
        return device.received.length >= 3
      },
      2000,
      20,
    )
    expect(model.positionOf(5)).toBeLessThan(500)
    expect(server.device.received.map((f) => f.cmd)).toEqual([LxCmd.POS_READ, LxCmd.TEMP_READ, LxCmd.MOVE_TIME_WRITE])
    expect(host.read().length).toBe(0) // writes get no reply
  })
})
