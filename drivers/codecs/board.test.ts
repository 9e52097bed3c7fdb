import { describe, expect, test } from 'bun:test'
import {
  BOARD_INBOUND_MAX_DATA_LEN,
  BoardFrameDecoder,
  BoardFunc,
  BusServoSub,
  KeyEvent,
  STANDARD_GRAVITY,
  decodeBatteryReport,
  decodeBoardImu,
  decodeBusServoReply,
  decodeKeyEvent,
  decodePwmServoReply,
  encodeBatteryAlarmLimit,
  encodeBatteryReport,
  encodeBoardFrame,
  encodeBoardImu,
  encodeBoardImuRaw,
  encodeBuzzer,
  encodeBusServoRead,
  encodeBusServoReadId,
  encodeBusServoReadPosition,
  encodeBusServoReply,
  encodeBusServoSaveOffset,
  encodeBusServoSetAngleLimit,
  encodeBusServoSetId,
  encodeBusServoSetOffset,
  encodeBusServoSetPositions,
  encodeBusServoSetTempLimit,
  encodeBusServoSetVinLimit,
  encodeBusServoStop,
  encodeBusServoTorque,
  encodeKeyEvent,
  encodeLed,
  encodeMotorSpeeds,
  encodeMotorStop,
  encodeOledText,
  encodePwmServoReadOffset,
  encodePwmServoReadPosition,
  encodePwmServoReply,
  encodePwmServoSetOffset,
  encodePwmServoSetPositions,
  encodeRgb,
  expectBusServoReply,
  isBusServoReplyTo,
  type BoardFrame,
  type BusServoReadName,
  type BusServoReply,
} from './board.ts'
import { Rng, fromHex, hex } from './test-support.ts'

function decodeOne(bytes: Uint8Array): BoardFrame {
  const frames = new BoardFrameDecoder().push(bytes)
  expect(frames.length).toBe(1)
  return frames[0]
}

/** Hex of DATA only, after checking the frame is well formed and has the given FUNC. */
function dataOf(bytes: Uint8Array, func: number): string {
  const f = decodeOne(bytes)
  expect(f.func).toBe(func)
  return hex(f.data)
}

describe('HARDWARE.md test vectors', () => {
  test('read position of servo 1', () => {
    const wire = 'aa 55 05 02 05 01 6f'
    expect(hex(encodeBusServoReadPosition(1))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect([f.func, ...f.data]).toEqual([5, 0x05, 1])
  })

  test('reply: servo 1 at 500, ok', () => {
    const wire = 'aa 55 05 05 01 05 00 f4 01 92'
    expect(hex(encodeBusServoReply({ kind: 'READ_POSITION', id: 1, position: 500 }))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect(f.func).toBe(BoardFunc.BUS_SERVO)
    expect(decodeBusServoReply(f.data)).toEqual({ kind: 'READ_POSITION', id: 1, status: 0, ok: true, position: 500 })
  })

  test('battery 7400 mV', () => {
    const wire = 'aa 55 00 03 04 e8 1c 2b'
    expect(hex(encodeBatteryReport(7400))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect(f.func).toBe(BoardFunc.SYS)
    expect(decodeBatteryReport(f.data)).toBe(7400)
  })

  test('set servos 1->500, 2->600 in 500 ms', () => {
    const wire = 'aa 55 05 0a 01 f4 01 02 01 f4 01 02 58 02 9a'
    expect(
      hex(
        encodeBusServoSetPositions(500, [
          { id: 1, pos: 500 },
          { id: 2, pos: 600 },
        ]),
      ),
    ).toBe(wire)
    expect(decodeOne(fromHex(wire)).data.length).toBe(10)
  })

  test('IMU 0,0,9.81,0,0,0', () => {
    const wire = 'aa 55 07 18 00 00 00 00 00 00 00 00 c3 f5 1c 41 00 00 00 00 00 00 00 00 00 00 00 00 56'
    expect(hex(encodeBoardImuRaw([0, 0, 9.81, 0, 0, 0]))).toBe(wire)
    const imu = decodeBoardImu(decodeOne(fromHex(wire)).data)
    expect(imu.raw).toEqual([0, 0, Math.fround(9.81), 0, 0, 0])
    expect(imu.gyro).toEqual([0, 0, 0])
    // The board sends g (verified against firmware and HiWonder's ROS node), so 9.81 raw is 9.81 g.
    expect(imu.accel[2]).toBeCloseTo(Math.fround(9.81) * STANDARD_GRAVITY, 4)
  })
})

describe("encoders match the SDK's byte layouts", () => {
  test('LED: <BHHH led_id, on_ms, off_ms, repeat', () => {
    expect(dataOf(encodeLed(1, { onMs: 100, offMs: 900, repeat: 1 }), BoardFunc.LED)).toBe('01 64 00 84 03 01 00')
  })

  test('buzzer: <HHHH freq, on_ms, off_ms, repeat', () => {
    expect(dataOf(encodeBuzzer(1000, { onMs: 100, offMs: 900, repeat: 1 }), BoardFunc.BUZZER)).toBe('e8 03 64 00 84 03 01 00')
  })

  test('motors: sub 1, count, (id-1 u8, f32 LE)', () => {
    expect(
      dataOf(
        encodeMotorSpeeds([
          { motor: 1, rps: -0.3 },
          { motor: 2, rps: 0.5 },
        ]),
        BoardFunc.MOTOR,
      ),
    ).toBe('01 02 00 9a 99 99 be 01 00 00 00 3f')
    expect(dataOf(encodeMotorStop([1, 3]), BoardFunc.MOTOR)).toBe('03 05')
  })

  test('PWM servos: sub 1, dur u16, count, (id, pulse u16)', () => {
    expect(dataOf(encodePwmServoSetPositions(500, [{ id: 1, pulse: 1500 }]), BoardFunc.PWM_SERVO)).toBe('01 f4 01 01 01 dc 05')
    expect(dataOf(encodePwmServoSetOffset(2, -10), BoardFunc.PWM_SERVO)).toBe('07 02 f6')
    expect(dataOf(encodePwmServoReadPosition(3), BoardFunc.PWM_SERVO)).toBe('05 03')
    expect(dataOf(encodePwmServoReadOffset(4), BoardFunc.PWM_SERVO)).toBe('09 04')
  })

  test('PWM servo replies have no status byte', () => {
    const pos = decodeOne(encodePwmServoReply({ kind: 'READ_POSITION', id: 1, pulse: 1500 }))
    expect(hex(pos.data)).toBe('01 05 dc 05')
    expect(decodePwmServoReply(pos.data)).toEqual({ kind: 'READ_POSITION', id: 1, pulse: 1500 })
    const off = decodeOne(encodePwmServoReply({ kind: 'READ_OFFSET', id: 2, offset: -5 }))
    expect(decodePwmServoReply(off.data)).toEqual({ kind: 'READ_OFFSET', id: 2, offset: -5 })
    expect(decodePwmServoReply(Uint8Array.of(1, 0x05))).toBeUndefined()
  })

  test('bus servo writes', () => {
    const d = (b: Uint8Array) => dataOf(b, BoardFunc.BUS_SERVO)
    expect(d(encodeBusServoStop([1, 2]))).toBe('03 02 01 02')
    // Firmware: 0x0B unloads (torque off), 0x0C loads (torque on).
    expect(d(encodeBusServoTorque(3, false))).toBe('0b 03')
    expect(d(encodeBusServoTorque(3, true))).toBe('0c 03')
    expect(d(encodeBusServoSetId(254, 1))).toBe('10 fe 01')
    expect(d(encodeBusServoSetOffset(1, -10))).toBe('20 01 f6')
    expect(d(encodeBusServoSaveOffset(1))).toBe('24 01')
    expect(d(encodeBusServoSetAngleLimit(1, 0, 1000))).toBe('30 01 00 00 e8 03')
    expect(d(encodeBusServoSetVinLimit(1, 4500, 13999))).toBe('34 01 94 11 af 36')
    expect(d(encodeBusServoSetTempLimit(1, 85))).toBe('38 01 55')
  })

  test('bus servo reads are [sub, id]', () => {
    const subs: [BusServoReadName, number][] = [
      ['READ_POSITION', 0x05],
      ['READ_VOLTAGE', 0x07],
      ['READ_TEMP', 0x09],
      ['READ_TORQUE', 0x0d],
      ['READ_ID', 0x12],
      ['READ_OFFSET', 0x22],
      ['READ_ANGLE_LIMIT', 0x32],
      ['READ_VIN_LIMIT', 0x36],
      ['READ_TEMP_LIMIT', 0x3a],
    ]
    for (const [kind, sub] of subs) {
      expect(Array.from(decodeOne(encodeBusServoRead(kind, 7)).data)).toEqual([sub, 7])
      expect<number>(BusServoSub[kind]).toBe(sub)
    }
    expect(Array.from(decodeOne(encodeBusServoReadId()).data)).toEqual([0x12, 254])
  })

  test('battery alarm threshold: SYS sub 1, u16', () => {
    expect(dataOf(encodeBatteryAlarmLimit(6300), BoardFunc.SYS)).toBe('01 9c 18')
    expect(decodeBatteryReport(fromHex('01 9c 18'))).toBeUndefined()
  })

  test('OLED: line, length, ASCII bytes', () => {
    expect(dataOf(encodeOledText(2, '192.168.1.2'), BoardFunc.OLED)).toBe('02 0b 31 39 32 2e 31 36 38 2e 31 2e 32')
  })

  test('RGB: sub 1, count, (index-1, r, g, b)', () => {
    expect(
      dataOf(
        encodeRgb([
          { index: 1, r: 255, g: 0, b: 16 },
          { index: 2, r: 1, g: 2, b: 3 },
        ]),
        BoardFunc.RGB,
      ),
    ).toBe('01 02 00 ff 00 10 01 01 02 03')
  })

  test('key events', () => {
    const f = decodeOne(encodeKeyEvent(1, KeyEvent.CLICK))
    expect(f.func).toBe(BoardFunc.KEY)
    expect(decodeKeyEvent(f.data)).toEqual({ keyId: 1, event: 0x20, name: 'CLICK' })
    expect(decodeKeyEvent(Uint8Array.of(2, 0x03))).toEqual({ keyId: 2, event: 3, name: undefined })
    expect(decodeKeyEvent(Uint8Array.of(2))).toBeUndefined()
  })
})

describe('argument validation', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['func 256', () => encodeBoardFrame(256, []), /func must be an integer in 0\.\.255/],
    ['data too long', () => encodeBoardFrame(1, new Array(256).fill(0)), /at most 255/],
    ['bus position 1001', () => encodeBusServoSetPositions(100, [{ id: 1, pos: 1001 }]), /pos must be an integer in 0\.\.1000/],
    ['bus duration', () => encodeBusServoSetPositions(30001, [{ id: 1, pos: 1 }]), /durationMs/],
    ['no servos', () => encodeBusServoSetPositions(100, []), /servo count/],
    [
      'too many servos for one frame',
      () => encodeBusServoSetPositions(100, new Array(84).fill({ id: 1, pos: 1 })),
      /servo count must be an integer in 1\.\.83/,
    ],
    ['bus id 255', () => encodeBusServoTorque(255, true), /id must be an integer in 0\.\.254/],
    ['offset', () => encodeBusServoSetOffset(1, 126), /offset must be an integer in -125\.\.125/],
    ['temp limit', () => encodeBusServoSetTempLimit(1, 101), /limitC must be an integer in 50\.\.100/],
    ['angle limits', () => encodeBusServoSetAngleLimit(1, 600, 500), /must be below max/],
    [
      'voltage limit high at 14000 mV',
      () => encodeBusServoSetVinLimit(1, 4500, 14000),
      /voltage limit high must be a whole number of mV from 4500 and below 14000 \(HiWonder's controller-board protocol\), got 14000/,
    ],
    ['voltage limit high at 14500 mV (what the LX servos themselves accept)', () => encodeBusServoSetVinLimit(1, 4500, 14500), /below 14000/],
    ['voltage limits inverted', () => encodeBusServoSetVinLimit(1, 9000, 8000), /min \(9000\) must be below max \(8000\)/],
    ['broadcast read', () => encodeBusServoReadPosition(254), /broadcast id 254 gets no reply/],
    ['pwm id', () => encodePwmServoReadPosition(5), /id must be an integer in 1\.\.4/],
    ['pwm pulse', () => encodePwmServoSetPositions(100, [{ id: 1, pulse: 2600 }]), /pulse must be an integer in 500\.\.2500/],
    ['motor id', () => encodeMotorSpeeds([{ motor: 0, rps: 1 }]), /motor must be an integer in 1\.\.4/],
    ['motor NaN', () => encodeMotorSpeeds([{ motor: 1, rps: Number.NaN }]), /rps must be a finite number/],
    ['led id', () => encodeLed(3, { onMs: 1, offMs: 1, repeat: 1 }), /ledId must be an integer in 1\.\.2/],
    ['oled too long', () => encodeOledText(1, 'x'.repeat(24)), /OLED text length must be an integer in 0\.\.23/],
    ['oled non-ascii', () => encodeOledText(1, 'caf\u00e9'), /printable ASCII/],
    ['rgb value', () => encodeRgb([{ index: 1, r: 256, g: 0, b: 0 }]), /r must be an integer in 0\.\.255/],
    ['imu count', () => encodeBoardImuRaw([1, 2, 3]), /IMU value count/],
    ['imu payload', () => decodeBoardImu(new Uint8Array(23)), /IMU payload must be 24 bytes, got 23/],
  ]
  for (const [name, fn, message] of bad) {
    test(name, () => {
      expect(fn).toThrow(RangeError)
      expect(fn).toThrow(message)
    })
  }
})

describe('bus-servo replies', () => {
  test('status byte is signed and ok only when 0', () => {
    const f = decodeOne(encodeBusServoReply({ kind: 'READ_TEMP', id: 4, status: -1, tempC: 0 }))
    expect(decodeBusServoReply(f.data)).toEqual({ kind: 'READ_TEMP', id: 4, status: -1, ok: false, tempC: 0 })
  })

  test('unknown sub or wrong length is not a reply', () => {
    expect(decodeBusServoReply(fromHex('01 05 00 f4'))).toBeUndefined()
    expect(decodeBusServoReply(fromHex('01 01 00 f4 01'))).toBeUndefined()
    expect(decodeBusServoReply(fromHex('01 05'))).toBeUndefined()
  })

  test('expectBusServoReply gives the typed reply or a clear error', () => {
    const data = decodeOne(encodeBusServoReply({ kind: 'READ_VOLTAGE', id: 2, mv: 7400 })).data
    expect(expectBusServoReply(data, 'READ_VOLTAGE').mv).toBe(7400)
    expect(() => expectBusServoReply(data, 'READ_POSITION')).toThrow(/expected a bus-servo READ_POSITION reply \(sub 0x5, 5 bytes\), got 5 bytes with sub 0x7/)
  })

  test('isBusServoReplyTo', () => {
    const r = decodeBusServoReply(decodeOne(encodeBusServoReply({ kind: 'READ_ID', id: 6, servoId: 6 })).data)!
    expect(isBusServoReplyTo(r, 'READ_ID', 254)).toBe(true)
    expect(isBusServoReplyTo(r, 'READ_ID', 6)).toBe(true)
    expect(isBusServoReplyTo(r, 'READ_ID', 5)).toBe(false)
    expect(isBusServoReplyTo(r, 'READ_TEMP', 6)).toBe(false)
  })

  test('round trip over random replies (seeded)', () => {
    const rng = new Rng(77)
    const gen = (): BusServoReply => {
      const id = rng.int(0, 253)
      const status = rng.bool(0.8) ? 0 : rng.int(-128, 127)
      const head = { id, status, ok: status === 0 }
      switch (rng.int(0, 8)) {
        case 0:
          return { kind: 'READ_POSITION', ...head, position: rng.int(-32768, 32767) }
        case 1:
          return { kind: 'READ_VOLTAGE', ...head, mv: rng.int(0, 65535) }
        case 2:
          return { kind: 'READ_TEMP', ...head, tempC: rng.int(0, 255) }
        case 3:
          return { kind: 'READ_TORQUE', ...head, torque: rng.bool() }
        case 4:
          return { kind: 'READ_ID', ...head, servoId: rng.int(0, 255) }
        case 5:
          return { kind: 'READ_OFFSET', ...head, offset: rng.int(-128, 127) }
        case 6:
          return { kind: 'READ_ANGLE_LIMIT', ...head, min: rng.int(0, 65535), max: rng.int(0, 65535) }
        case 7:
          return { kind: 'READ_VIN_LIMIT', ...head, minMv: rng.int(0, 65535), maxMv: rng.int(0, 65535) }
        default:
          return { kind: 'READ_TEMP_LIMIT', ...head, limitC: rng.int(0, 255) }
      }
    }
    const dec = new BoardFrameDecoder({ maxDataLen: BOARD_INBOUND_MAX_DATA_LEN })
    for (let n = 0; n < 5000; n++) {
      const r = gen()
      const frames = dec.push(encodeBusServoReply(r))
      expect(frames.length).toBe(1)
      expect(decodeBusServoReply(frames[0].data)).toEqual(r)
    }
  })

  test('set-positions round trip over random targets (seeded)', () => {
    const rng = new Rng(5)
    const dec = new BoardFrameDecoder()
    for (let n = 0; n < 2000; n++) {
      const dur = rng.int(0, 30000)
      const targets = Array.from({ length: rng.int(1, 83) }, () => ({ id: rng.int(0, 254), pos: rng.int(0, 1000) }))
      const [f] = dec.push(encodeBusServoSetPositions(dur, targets))
      const d = f.data
      expect([d[0], d[1] | (d[2] << 8), d[3]]).toEqual([0x01, dur, targets.length])
      const back = Array.from({ length: d[3] }, (_, i) => ({ id: d[4 + 3 * i], pos: d[5 + 3 * i] | (d[6 + 3 * i] << 8) }))
      expect(back).toEqual(targets)
    }
  })
})

describe('IMU', () => {
  test('simulator encoding round-trips within float32 precision (seeded)', () => {
    const rng = new Rng(31)
    for (let n = 0; n < 2000; n++) {
      const accel = [rng.next() * 40 - 20, rng.next() * 40 - 20, rng.next() * 40 - 20]
      const gyro = [rng.next() * 4000 - 2000, rng.next() * 4000 - 2000, rng.next() * 4000 - 2000]
      const imu = decodeBoardImu(decodeOne(encodeBoardImu({ accel, gyro })).data)
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(imu.accel[k] - accel[k])).toBeLessThan(1e-5 * 20)
        expect(Math.abs(imu.gyro[k] - gyro[k])).toBeLessThan(1e-4 * 2)
      }
    }
  })

  test('decoder works on a view into a larger buffer (byteOffset honoured)', () => {
    const frame = encodeBoardImuRaw([1, 2, 3, 4, 5, 6])
    const big = new Uint8Array(frame.length + 3)
    big.set(frame, 3)
    expect(decodeBoardImu(big.subarray(7, 31)).raw).toEqual([1, 2, 3, 4, 5, 6])
  })
})

describe('BoardFrameDecoder', () => {
  const battery = fromHex('aa 55 00 03 04 e8 1c 2b')

  test('byte-at-a-time', () => {
    const dec = new BoardFrameDecoder()
    const got: BoardFrame[] = []
    for (const b of battery) got.push(...dec.push(Uint8Array.of(b)))
    expect(got.map((f) => decodeBatteryReport(f.data))).toEqual([7400])
    expect(dec.pending).toBe(0)
  })

  test('garbage, then frame: counters and offsets', () => {
    const dec = new BoardFrameDecoder()
    const frames = dec.push(Uint8Array.from([0x00, 0xaa, 0x00, 0xaa, ...battery]))
    expect(frames.map((f) => f.offset)).toEqual([4])
    expect(dec.stats).toEqual({
      frames: 1,
      checksumErrors: 0,
      badLength: 0,
      unknownFunc: 0,
      discardedBytes: 4,
      bytesIn: 12,
    })
  })

  test('bad CRC: counted, one byte dropped, next frame found', () => {
    const bad = battery.slice()
    bad[5] ^= 1
    const dec = new BoardFrameDecoder()
    expect(dec.push(Uint8Array.from([...bad, ...battery])).map((f) => f.offset)).toEqual([8])
    expect(dec.stats.checksumErrors).toBe(1)
    expect(dec.stats.discardedBytes).toBe(8)
  })

  test('a huge bad LEN does not stall: frames it swallowed are recovered once it fails', () => {
    const dec = new BoardFrameDecoder()
    const got = dec.push(Uint8Array.from([0xaa, 0x55, 0x07, 0xff]))
    expect(got).toEqual([])
    // 40 battery frames = 320 bytes > 255 + 1: the bogus candidate completes, fails its CRC
    // and every frame inside it is recovered by the rescan.
    const tail: number[] = []
    for (let i = 0; i < 40; i++) tail.push(...battery)
    const frames = dec.push(Uint8Array.from(tail))
    expect(frames.length).toBe(40)
    expect(dec.stats.checksumErrors).toBe(1)
    expect(dec.stats.discardedBytes).toBe(4)
  })

  test('with inbound LEN limits a bad LEN is rejected at once', () => {
    const dec = new BoardFrameDecoder({ maxDataLen: BOARD_INBOUND_MAX_DATA_LEN })
    const frames = dec.push(Uint8Array.from([0xaa, 0x55, 0x07, 0xff, ...battery]))
    expect(frames.length).toBe(1)
    expect(dec.stats.badLength).toBe(1)
    expect(dec.stats.checksumErrors).toBe(0)
  })

  test('unknown FUNC is rejected at once and counted', () => {
    const dec = new BoardFrameDecoder()
    expect(dec.push(Uint8Array.from([0xaa, 0x55, 0x0c, ...battery])).length).toBe(1)
    expect(dec.stats.unknownFunc).toBe(1)
    expect(new BoardFrameDecoder({ maxFunc: 12 }).push(encodeBoardFrame(12, [1])).length).toBe(1)
  })

  test('zero-length frame', () => {
    const f = decodeOne(encodeBoardFrame(BoardFunc.SYS))
    expect(f.data.length).toBe(0)
  })

  test('largest frame (LEN 255) in a single push and split at every position', () => {
    const data = Uint8Array.from({ length: 255 }, (_, i) => (i * 7) & 0xff)
    const frame = encodeBoardFrame(BoardFunc.OLED, data)
    expect(decodeOne(frame).data).toEqual(data)
    for (let cut = 1; cut < frame.length; cut += 13) {
      const dec = new BoardFrameDecoder()
      const a = dec.push(frame.subarray(0, cut))
      const b = dec.push(frame.subarray(cut))
      expect(a.length + b.length).toBe(1)
    }
  })

  test('reset() discards a half frame', () => {
    const dec = new BoardFrameDecoder()
    dec.push(battery.subarray(0, 5))
    dec.reset()
    expect(dec.push(battery.subarray(5))).toEqual([])
    expect(dec.push(battery).length).toBe(1)
    expect(dec.stats.discardedBytes).toBe(8)
  })

  test('invalid options are refused', () => {
    expect(() => new BoardFrameDecoder({ maxFunc: 256 })).toThrow(RangeError)
    expect(() => new BoardFrameDecoder({ maxDataLen: [300] })).toThrow(RangeError)
  })
})
