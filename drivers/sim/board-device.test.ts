import { afterEach, describe, expect, test } from 'bun:test'
import {
  BOARD_INBOUND_MAX_DATA_LEN,
  BoardFrameDecoder,
  BoardFunc,
  BusServoSub,
  decodeBatteryReport,
  decodeBoardImu,
  decodeBusServoReply,
  decodeKeyEvent,
  encodeBatteryAlarmLimit,
  encodeBusServoRead,
  encodeBusServoReadPosition,
  encodeBusServoReply,
  encodeBusServoSetAngleLimit,
  encodeBusServoSetId,
  encodeBusServoSetOffset,
  encodeBusServoSetPositions,
  encodeBusServoStop,
  encodeBusServoTorque,
  encodeBuzzer,
  encodeLed,
  type BoardFrame,
} from '../codecs/index.ts'
import { fromHex, hex } from '../codecs/test-support.ts'
import { openSerialPort, readExact, type FdSerialPort } from '../transports/index.ts'
import { GRAVITY } from '../../core/units.ts'
import { SimulatedTonyPi } from './model.ts'
import { SimulatedBoard } from './board-device.ts'
import { startBoardSimulator, type SimPtyServer } from './pty-server.ts'
import { byteTimeMs, wallClockMs } from './wire.ts'
import { waitFor } from '../../test/support/wait-for.ts'

const T0 = 1_700_000_000_000
const LINK = byteTimeMs(1_000_000)
const SERVO = byteTimeMs(115200)

function rig(opts: { imuHz?: number; batteryPeriodMs?: number } = {}) {
  const model = new SimulatedTonyPi({ seed: 5, startMs: T0 })
  const twin = new SimulatedTonyPi({ seed: 5, startMs: T0 })
  // Streams off unless a test wants them, so replies are the only traffic.
  const board = new SimulatedBoard({ model, imuHz: opts.imuHz ?? 0, batteryPeriodMs: opts.batteryPeriodMs ?? 0 })
  const host = new BoardFrameDecoder({ maxDataLen: BOARD_INBOUND_MAX_DATA_LEN })
  const exchange = (bytes: Uint8Array, t: number, until = t + 20): BoardFrame[] => {
    board.receive(bytes, t)
    return host.push(board.poll(until))
  }
  return { model, twin, board, host, exchange }
}

describe('SimulatedBoard: bus servos through the board', () => {
  test("HARDWARE.md's read-position request gets `id, sub, status 0, position` from the model", () => {
    const { board, twin, exchange } = rig()
    const request = fromHex('aa 55 05 02 05 01 6f')
    expect(encodeBusServoReadPosition(1)).toEqual(request)
    const t = T0 + 100
    const [reply] = exchange(request, t)
    twin.step(t)
    const expected = encodeBusServoReply({ kind: 'READ_POSITION', id: 1, position: twin.readPosition(1) })
    expect(hex(Uint8Array.of(0xaa, 0x55, reply.func, reply.data.length, ...reply.data))).toBe(hex(expected.subarray(0, -1)))
    expect(hex(expected.subarray(0, 7))).toBe('aa 55 05 05 01 05 00')
    expect(board.received.map((f) => hex(f.bytes))).toEqual([hex(request)])
  })

  test('a read costs the link time plus the LX round trip on the board’s own 115200 bus', () => {
    const { board } = rig()
    const t = T0 + 10
    board.receive(encodeBusServoReadPosition(2), t)
    // request on the link, LX read out (6 bytes), turnaround, LX reply back (8), report on the link (10)
    const done = t + 7 * LINK + 6 * SERVO + 0.3 + 8 * SERVO + 10 * LINK
    expect(board.poll(done - LINK / 2).length).toBe(9)
    expect(board.poll(done + LINK / 2).length).toBe(1)
  })

  test('every read sub-command answers with its reply layout', () => {
    const { exchange } = rig()
    const kinds = [
      'READ_POSITION',
      'READ_VOLTAGE',
      'READ_TEMP',
      'READ_TORQUE',
      'READ_ID',
      'READ_OFFSET',
      'READ_ANGLE_LIMIT',
      'READ_VIN_LIMIT',
      'READ_TEMP_LIMIT',
    ] as const
    let t = T0
    for (const kind of kinds) {
      t += 20
      const [f] = exchange(encodeBusServoRead(kind, 3), t)
      const r = decodeBusServoReply(f.data)
      expect(r?.kind).toBe(kind)
      expect(r?.ok).toBe(true)
    }
    const [lim] = exchange(encodeBusServoRead('READ_ANGLE_LIMIT', 3), t + 20)
    expect(decodeBusServoReply(lim.data)).toMatchObject({ min: 0, max: 1000 })
  })

  test("HARDWARE.md's set-positions frame moves both servos from one frame", () => {
    const { model, exchange } = rig()
    const frame = fromHex('aa 55 05 0a 01 f4 01 02 01 f4 01 02 58 02 9a')
    expect(
      encodeBusServoSetPositions(500, [
        { id: 1, pos: 500 },
        { id: 2, pos: 600 },
      ]),
    ).toEqual(frame)
    // Move them somewhere else first so that "moves" is visible for servo 1 too.
    exchange(
      encodeBusServoSetPositions(0, [
        { id: 1, pos: 300 },
        { id: 2, pos: 300 },
      ]),
      T0,
    )
    model.step(T0 + 2000)
    expect(exchange(frame, T0 + 2000)).toEqual([]) // write only
    model.step(T0 + 2300)
    expect(model.positionOf(1)).toBeGreaterThan(300)
    expect(model.positionOf(2)).toBeGreaterThan(300)
    model.step(T0 + 3000)
    expect(model.positionOf(1)).toBeCloseTo(500, 3)
    expect(model.positionOf(2)).toBeCloseTo(600, 3)
  })

  test('stop, torque (0x0B off, 0x0C on), id, offset and limits reach the servos', () => {
    const { model, board, exchange } = rig()
    expect(encodeBusServoTorque(4, false)[4]).toBe(BusServoSub.TORQUE_OFF)
    expect(BusServoSub.TORQUE_OFF).toBe(0x0b)
    exchange(encodeBusServoTorque(4, false), T0)
    expect(model.isTorqueOn(4)).toBe(false)
    exchange(encodeBusServoTorque(4, true), T0 + 5)
    expect(model.isTorqueOn(4)).toBe(true)

    exchange(encodeBusServoSetPositions(2000, [{ id: 6, pos: 975 }]), T0 + 10)
    exchange(encodeBusServoStop([6]), T0 + 1000)
    const held = model.positionOf(6)
    model.step(T0 + 3000)
    expect(model.positionOf(6)).toBeCloseTo(held, 6)
    expect(held).toBeLessThan(900)

    exchange(encodeBusServoSetOffset(7, -30), T0 + 3000)
    exchange(encodeBusServoSetAngleLimit(7, 100, 900), T0 + 3010)
    exchange(encodeBusServoSetId(7, 42), T0 + 3020)
    expect(board.servos.servo(7)).toMatchObject({ busId: 42, offset: -30, angleLimit: { min: 100, max: 900 } })
    const [r] = exchange(encodeBusServoRead('READ_OFFSET', 42), T0 + 3030)
    expect(decodeBusServoReply(r.data)).toMatchObject({ id: 42, ok: true, offset: -30 })
  })

  test('a silent servo gets a failed report (status -1, value 0) after the firmware’s 5 ms timeout', () => {
    const { board, exchange } = rig()
    board.faults.silent(8)
    const t = T0 + 10
    board.receive(encodeBusServoReadPosition(8), t)
    const failedAt = t + 7 * LINK + 6 * SERVO + 5 + 10 * LINK
    const early = board.poll(failedAt - 0.01)
    expect(early.length).toBeLessThan(10)
    const host = new BoardFrameDecoder()
    const [f] = host.push(new Uint8Array([...early, ...board.poll(failedAt + 0.01)]))
    expect(decodeBusServoReply(f.data)).toEqual({ kind: 'READ_POSITION', id: 8, status: -1, ok: false, position: 0 })
    board.faults.answer(8)
    const [ok] = exchange(encodeBusServoReadPosition(8), t + 20)
    expect(decodeBusServoReply(ok.data)?.ok).toBe(true)
  })

  test('commands queue on the board’s servo bus: a read behind a 16-servo move waits for it', () => {
    const { board } = rig()
    const all = Array.from({ length: 16 }, (_, i) => ({ id: i + 1, pos: 500 }))
    const move = encodeBusServoSetPositions(100, all)
    const t = T0 + 10
    board.receive(move, t)
    const moveDone = t + move.length * LINK + 16 * 10 * SERVO
    board.receive(encodeBusServoReadPosition(1), t + move.length * LINK)
    const reportAt = moveDone + 6 * SERVO + 0.3 + 8 * SERVO + 10 * LINK
    expect(board.poll(reportAt - 0.05).length).toBeLessThan(10)
    expect(board.poll(reportAt + 0.05).length).toBeGreaterThan(0)
  })
})

describe('SimulatedBoard: its own streams and the rest of the protocol', () => {
  test('streams IMU at 100 Hz in g with x up, and battery about once a second', () => {
    const { model, board, host } = rig({ imuHz: 100, batteryPeriodMs: 1000 })
    const frames: BoardFrame[] = []
    for (let t = T0; t <= T0 + 1005; t += 1) frames.push(...host.push(board.poll(t)))
    const imu = frames.filter((f) => f.func === BoardFunc.IMU)
    const bat = frames.filter((f) => f.func === BoardFunc.SYS)
    expect(imu.length).toBeGreaterThanOrEqual(100)
    expect(imu.length).toBeLessThanOrEqual(101)
    expect(bat.length).toBe(2) // at 0 and 1000 ms
    const s = decodeBoardImu(imu[50].data)
    // Upright: gravity's reaction along the board's +x, in g on the wire.
    expect(s.raw[0]).toBeCloseTo(1, 1)
    expect(Math.abs(s.raw[1])).toBeLessThan(0.02)
    expect(Math.abs(s.raw[2])).toBeLessThan(0.02)
    expect((Math.atan2(s.accel[0], s.accel[2]) * 180) / Math.PI).toBeCloseTo(90, 0)
    const mv = decodeBatteryReport(bat[1].data)!
    model.step(T0 + 1000)
    expect(Math.abs(mv - model.readBattery().voltageMv)).toBeLessThan(40)
    expect(mv).toBeGreaterThan(8000) // a full 2S pack
  })

  test('after a fall onto the back the IMU shows it in the board frame (HiWonder angle near 180)', () => {
    const { model, board, host } = rig({ imuHz: 100 })
    model.fall('back', T0)
    const frames: BoardFrame[] = []
    for (let t = T0; t <= T0 + 1500; t += 5) frames.push(...host.push(board.poll(t)))
    const last = decodeBoardImu(frames.filter((f) => f.func === BoardFunc.IMU).at(-1)!.data)
    const angle = (Math.atan2(last.accel[0], last.accel[2]) * 180) / Math.PI
    expect(Math.abs(angle)).toBeGreaterThan(170)
    expect(Math.hypot(...last.accel)).toBeCloseTo(GRAVITY, 0)
  })

  test('a stalled driver skips IMU packets instead of bursting a backlog', () => {
    const { board, host } = rig({ imuHz: 100 })
    board.poll(T0) // the stream starts at the first look
    expect(host.push(board.poll(T0 + 1)).length).toBe(1)
    const late = host.push(board.poll(T0 + 500))
    expect(late.length).toBe(1)
    expect(board.nextEventMs()).toBeGreaterThan(T0 + 500)
  })

  test('LED, buzzer and other frames are recorded as the exact bytes; the battery alarm is kept', () => {
    const { board, exchange } = rig()
    const led = encodeLed(1, { onMs: 100, offMs: 100, repeat: 3 })
    const buzz = encodeBuzzer(2400, { onMs: 50, offMs: 50, repeat: 1 })
    const alarm = encodeBatteryAlarmLimit(6600)
    const garbage = Uint8Array.of(0x00, 0xaa, 0x13)
    exchange(new Uint8Array([...led, ...garbage, ...buzz, ...alarm]), T0)
    expect(board.received.map((f) => hex(f.bytes))).toEqual([hex(led), hex(buzz), hex(alarm)])
    expect(board.framesOf(BoardFunc.BUZZER).map((f) => hex(f.bytes))).toEqual([hex(buzz)])
    expect(board.batteryAlarmMv).toBe(6600)
  })

  test('pressKey reports a key event', () => {
    const { board, host } = rig()
    board.pressKey(1, 0x20, T0)
    const [f] = host.push(board.poll(T0 + 1))
    expect(f.func).toBe(BoardFunc.KEY)
    expect(decodeKeyEvent(f.data)).toMatchObject({ keyId: 1, name: 'CLICK' })
  })
})

describe('SimulatedBoard over a real pty', () => {
  let server: SimPtyServer<SimulatedBoard> | null = null
  let host: FdSerialPort | null = null
  afterEach(async () => {
    host?.close()
    host = null
    await server?.stop()
    server = null
  })

  test('IMU and battery frames decode to the model; set-positions moves both servos; reads answer', async () => {
    const model = new SimulatedTonyPi({ seed: 9, startMs: wallClockMs() })
    server = startBoardSimulator({ model, board: { batteryPeriodMs: 100 } })
    host = openSerialPort(server.path, { baud: 1_000_000 })
    const decoder = new BoardFrameDecoder({ maxDataLen: BOARD_INBOUND_MAX_DATA_LEN })
    const frames: BoardFrame[] = []
    /** Read frames until `done` holds (or 3 s pass: a loaded machine delays, it does not lose). */
    const collectUntil = async (done: () => boolean) => {
      const end = performance.now() + 3000
      while (!done() && performance.now() < end) {
        if (await host!.waitReadable(end - performance.now())) frames.push(...decoder.push(host!.read()))
      }
    }
    const of = (func: number) => frames.filter((f) => f.func === func)

    await collectUntil(() => of(BoardFunc.IMU).length >= 10 && of(BoardFunc.SYS).length >= 1)
    const imu = of(BoardFunc.IMU).map((f) => decodeBoardImu(f.data))
    const bat = of(BoardFunc.SYS).map((f) => decodeBatteryReport(f.data)!)
    expect(imu.length).toBeGreaterThanOrEqual(10)
    expect(bat.length).toBeGreaterThanOrEqual(1)
    for (const s of imu) {
      expect(s.accel[0]).toBeCloseTo(GRAVITY, 0)
      expect(Math.abs(s.accel[1])).toBeLessThan(0.2)
    }
    model.step(wallClockMs())
    expect(Math.abs(bat[0] - model.readBattery().voltageMv)).toBeLessThan(40)
    expect(decoder.stats.checksumErrors).toBe(0)

    await host.write(
      encodeBusServoSetPositions(100, [
        { id: 3, pos: 350 },
        { id: 11, pos: 650 },
      ]),
    )
    // 100 ms requested, but 150 units take at least 120 ms at full speed; allow for a busy machine.
    await waitFor(
      'servo 11 at its target',
      () => {
        model.step(wallClockMs())
        return model.positionOf(11) === 650
      },
      2000,
      50,
    )
    expect(model.positionOf(3)).toBeCloseTo(350, 3)
    expect(model.positionOf(11)).toBeCloseTo(650, 3)

    frames.length = 0
    await host.write(encodeBusServoReadPosition(11))
    await collectUntil(() => of(BoardFunc.BUS_SERVO).length > 0)
    const reply = of(BoardFunc.BUS_SERVO).map((f) => decodeBusServoReply(f.data))
    expect(reply).toHaveLength(1)
    expect(reply[0]).toMatchObject({ kind: 'READ_POSITION', id: 11, ok: true })
    expect(Math.abs((reply[0] as { position: number }).position - 650)).toBeLessThanOrEqual(2)
  })

  test('a read round trip over the pty takes at least the relayed LX time', async () => {
    server = startBoardSimulator({ board: { imuHz: 0, batteryPeriodMs: 0 } })
    host = openSerialPort(server.path, { baud: 1_000_000 })
    const physical = 7 * LINK + 6 * SERVO + 0.3 + 8 * SERVO + 10 * LINK
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      await host.write(encodeBusServoReadPosition(1))
      await readExact(host, 10, 1000)
      expect(performance.now() - t).toBeGreaterThanOrEqual(physical - 0.01)
    }
  })
})
