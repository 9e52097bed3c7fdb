import { describe, expect, test } from 'bun:test'
import {
  LX_REPLY_PARAM_COUNT,
  LxCmd,
  LxFrameDecoder,
  decodeAngleLimitReply,
  decodeAngleOffsetReply,
  decodeIdReply,
  decodeLedCtrlReply,
  decodeLedErrorReply,
  decodeLxLedErrorBits,
  decodeLxReply,
  decodeMoveTimeReply,
  decodeMoveTimeWaitReply,
  decodeOrMotorModeReply,
  decodePosReply,
  decodeTempMaxLimitReply,
  decodeTempReply,
  decodeTorqueReply,
  decodeVinLimitReply,
  decodeVinReply,
  encodeAngleLimitRead,
  encodeAngleLimitWrite,
  encodeAngleOffsetAdjust,
  encodeAngleOffsetRead,
  encodeAngleOffsetWrite,
  encodeIdRead,
  encodeIdWrite,
  encodeLedCtrlRead,
  encodeLedCtrlWrite,
  encodeLedErrorRead,
  encodeLedErrorWrite,
  encodeLxFrame,
  encodeLxReply,
  encodeMoveStart,
  encodeMoveStop,
  encodeMoveTimeRead,
  encodeMoveTimeWaitRead,
  encodeMoveTimeWaitWrite,
  encodeMoveTimeWrite,
  encodeOrMotorModeRead,
  encodeOrMotorModeWrite,
  encodePosRead,
  encodeTempMaxLimitRead,
  encodeTempMaxLimitWrite,
  encodeTempRead,
  encodeTorque,
  encodeTorqueRead,
  encodeVinLimitRead,
  encodeVinLimitWrite,
  encodeVinRead,
  isLxEcho,
  isLxReplyTo,
  type LxFrame,
  type LxReply,
} from './lx-bus.ts'
import { Rng, fromHex, hex } from './test-support.ts'

function decodeOne(bytes: Uint8Array): LxFrame {
  const frames = new LxFrameDecoder().push(bytes)
  expect(frames.length).toBe(1)
  return frames[0]
}

describe('HARDWARE.md test vectors', () => {
  test('read position, id 1', () => {
    const wire = '55 55 01 03 1c df'
    expect(hex(encodePosRead(1))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect([f.id, f.cmd, f.params.length]).toEqual([1, LxCmd.POS_READ, 0])
    // A request is not a reply: this is how an echo is told apart.
    expect(decodeLxReply(f)).toBeUndefined()
  })

  test('reply position 500, id 1', () => {
    const wire = '55 55 01 05 1c f4 01 e8'
    expect(hex(encodeLxReply({ kind: 'POS_READ', id: 1, pos: 500 }))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect(f.id).toBe(1)
    expect(decodePosReply(f)).toBe(500)
  })

  test('reply position -12, id 3 (signed)', () => {
    const wire = '55 55 03 05 1c f4 ff e8'
    expect(hex(encodeLxReply({ kind: 'POS_READ', id: 3, pos: -12 }))).toBe(wire)
    expect(decodeLxReply(decodeOne(fromHex(wire)))).toEqual({ kind: 'POS_READ', id: 3, pos: -12 })
  })

  test('reply temperature 41 C, id 2', () => {
    const wire = '55 55 02 04 1a 29 b6'
    expect(hex(encodeLxReply({ kind: 'TEMP_READ', id: 2, tempC: 41 }))).toBe(wire)
    expect(decodeTempReply(decodeOne(fromHex(wire)))).toBe(41)
  })

  test('reply voltage 7400 mV, id 2', () => {
    const wire = '55 55 02 05 1b e8 1c d9'
    expect(hex(encodeLxReply({ kind: 'VIN_READ', id: 2, mv: 7400 }))).toBe(wire)
    expect(decodeVinReply(decodeOne(fromHex(wire)))).toBe(7400)
  })

  test('move id 5 to 300 in 1000 ms', () => {
    const wire = '55 55 05 07 01 2c 01 e8 03 da'
    expect(hex(encodeMoveTimeWrite(5, 300, 1000))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect([f.id, f.cmd, ...f.params]).toEqual([5, 1, 0x2c, 0x01, 0xe8, 0x03])
  })

  test('torque off, broadcast', () => {
    const wire = '55 55 fe 04 1f 00 de'
    expect(hex(encodeTorque(254, false))).toBe(wire)
    const f = decodeOne(fromHex(wire))
    expect([f.id, f.cmd, ...f.params]).toEqual([0xfe, LxCmd.LOAD_OR_UNLOAD_WRITE, 0])
  })
})

describe('request encoders', () => {
  const cases: [string, Uint8Array, number, number, number[]][] = [
    ['MOVE_TIME_WRITE', encodeMoveTimeWrite(1, 1000, 30000), 1, 1, [0xe8, 0x03, 0x30, 0x75]],
    ['MOVE_TIME_READ', encodeMoveTimeRead(2), 2, 2, []],
    ['MOVE_TIME_WAIT_WRITE', encodeMoveTimeWaitWrite(3, 0, 0), 3, 7, [0, 0, 0, 0]],
    ['MOVE_TIME_WAIT_READ', encodeMoveTimeWaitRead(3), 3, 8, []],
    ['MOVE_START', encodeMoveStart(254), 254, 11, []],
    ['MOVE_STOP', encodeMoveStop(4), 4, 12, []],
    ['ID_WRITE', encodeIdWrite(1, 7), 1, 13, [7]],
    ['ID_READ (broadcast default)', encodeIdRead(), 254, 14, []],
    ['ANGLE_OFFSET_ADJUST', encodeAngleOffsetAdjust(6, -125), 6, 17, [0x83]],
    ['ANGLE_OFFSET_WRITE', encodeAngleOffsetWrite(6), 6, 18, []],
    ['ANGLE_OFFSET_READ', encodeAngleOffsetRead(6), 6, 19, []],
    ['ANGLE_LIMIT_WRITE', encodeAngleLimitWrite(7, 100, 900), 7, 20, [100, 0, 0x84, 0x03]],
    ['ANGLE_LIMIT_READ', encodeAngleLimitRead(7), 7, 21, []],
    ['VIN_LIMIT_WRITE', encodeVinLimitWrite(8, 4500, 12000), 8, 22, [0x94, 0x11, 0xe0, 0x2e]],
    ['VIN_LIMIT_READ', encodeVinLimitRead(8), 8, 23, []],
    ['TEMP_MAX_LIMIT_WRITE', encodeTempMaxLimitWrite(9, 85), 9, 24, [85]],
    ['TEMP_MAX_LIMIT_READ', encodeTempMaxLimitRead(9), 9, 25, []],
    ['TEMP_READ', encodeTempRead(10), 10, 26, []],
    ['VIN_READ', encodeVinRead(10), 10, 27, []],
    ['POS_READ', encodePosRead(10), 10, 28, []],
    ['OR_MOTOR_MODE_WRITE', encodeOrMotorModeWrite(11, 1, -1000), 11, 29, [1, 0, 0x18, 0xfc]],
    ['OR_MOTOR_MODE_READ', encodeOrMotorModeRead(11), 11, 30, []],
    ['LOAD_OR_UNLOAD_WRITE on', encodeTorque(12, true), 12, 31, [1]],
    ['LOAD_OR_UNLOAD_READ', encodeTorqueRead(12), 12, 32, []],
    ['LED_CTRL_WRITE on = 0', encodeLedCtrlWrite(13, true), 13, 33, [0]],
    ['LED_CTRL_WRITE off = 1', encodeLedCtrlWrite(13, false), 13, 33, [1]],
    ['LED_CTRL_READ', encodeLedCtrlRead(13), 13, 34, []],
    ['LED_ERROR_WRITE', encodeLedErrorWrite(14, { overTemp: true, overVoltage: false, stalled: true }), 14, 35, [5]],
    ['LED_ERROR_READ', encodeLedErrorRead(14), 14, 36, []],
  ]
  for (const [name, bytes, id, cmd, params] of cases) {
    test(name, () => {
      const f = decodeOne(bytes)
      expect([f.id, f.cmd, Array.from(f.params)]).toEqual([id, cmd, params])
      expect(bytes[3]).toBe(params.length + 3)
    })
  }

  test('generic encoder builds LEN and checksum for any payload', () => {
    const f = encodeLxFrame(0x55, 0x55, [0x55, 0x55])
    expect(decodeOne(f).params).toEqual(Uint8Array.of(0x55, 0x55))
  })
})

describe('argument validation', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['id 255', () => encodeMoveTimeWrite(255, 500, 0), /id must be an integer in 0\.\.254, got 255/],
    ['negative id', () => encodeMoveStop(-1), /id must be/],
    ['fractional id', () => encodeMoveStop(1.5), /id must be/],
    ['position 1001', () => encodeMoveTimeWrite(1, 1001, 0), /position must be an integer in 0\.\.1000, got 1001/],
    ['position -1', () => encodeMoveTimeWaitWrite(1, -1, 0), /position/],
    ['time 30001', () => encodeMoveTimeWrite(1, 500, 30001), /timeMs must be an integer in 0\.\.30000/],
    ['NaN time', () => encodeMoveTimeWrite(1, 500, Number.NaN), /timeMs/],
    ['offset 126', () => encodeAngleOffsetAdjust(1, 126), /offset must be an integer in -125\.\.125/],
    ['temp limit 49', () => encodeTempMaxLimitWrite(1, 49), /limitC must be an integer in 50\.\.100/],
    ['temp limit 101', () => encodeTempMaxLimitWrite(1, 101), /limitC/],
    ['angle min >= max', () => encodeAngleLimitWrite(1, 500, 500), /must be below max/],
    ['vin 4499', () => encodeVinLimitWrite(1, 4499, 8000), /minMv must be an integer in 4500\.\.14500/],
    ['vin min >= max', () => encodeVinLimitWrite(1, 9000, 8000), /must be below max/],
    ['new id 254', () => encodeIdWrite(1, 254), /newId must be an integer in 0\.\.253/],
    ['motor speed', () => encodeOrMotorModeWrite(1, 1, 1001), /speed must be an integer in -1000\.\.1000/],
    ['led error bits', () => encodeLedErrorWrite(1, 8), /faults must be an integer in 0\.\.7/],
    ['broadcast read', () => encodePosRead(254), /broadcast id 254 gets no reply/],
    ['param byte', () => encodeLxFrame(1, 1, [256]), /params\[0\] must be a byte/],
    ['too many params', () => encodeLxFrame(1, 1, new Array(253).fill(0)), /at most 252/],
  ]
  for (const [name, fn, message] of bad) {
    test(name, () => {
      expect(fn).toThrow(RangeError)
      expect(fn).toThrow(message)
    })
  }
})

describe('reply decoders', () => {
  test('typed decoders', () => {
    const r = (reply: LxReply) => decodeOne(encodeLxReply(reply))
    expect(decodeMoveTimeReply(r({ kind: 'MOVE_TIME_READ', id: 1, pos: 321, timeMs: 1500 }))).toEqual({ pos: 321, timeMs: 1500 })
    expect(decodeMoveTimeWaitReply(r({ kind: 'MOVE_TIME_WAIT_READ', id: 1, pos: 9, timeMs: 9 }))).toEqual({ pos: 9, timeMs: 9 })
    expect(decodeIdReply(r({ kind: 'ID_READ', id: 17, servoId: 17 }))).toBe(17)
    expect(decodeAngleOffsetReply(r({ kind: 'ANGLE_OFFSET_READ', id: 1, offset: -100 }))).toBe(-100)
    expect(decodeAngleLimitReply(r({ kind: 'ANGLE_LIMIT_READ', id: 1, min: 0, max: 1000 }))).toEqual({ min: 0, max: 1000 })
    expect(decodeVinLimitReply(r({ kind: 'VIN_LIMIT_READ', id: 1, minMv: 4500, maxMv: 12000 }))).toEqual({ minMv: 4500, maxMv: 12000 })
    expect(decodeTempMaxLimitReply(r({ kind: 'TEMP_MAX_LIMIT_READ', id: 1, limitC: 85 }))).toBe(85)
    expect(decodeOrMotorModeReply(r({ kind: 'OR_MOTOR_MODE_READ', id: 1, mode: 1, speed: -500 }))).toEqual({ mode: 1, speed: -500 })
    expect(decodeTorqueReply(r({ kind: 'LOAD_OR_UNLOAD_READ', id: 1, torque: true }))).toBe(true)
    expect(decodeLedCtrlReply(r({ kind: 'LED_CTRL_READ', id: 1, ledOn: false }))).toBe(false)
    expect(decodeLedErrorReply(r({ kind: 'LED_ERROR_READ', id: 1, bits: 6, ...decodeLxLedErrorBits(6) }))).toEqual({
      bits: 6,
      overTemp: false,
      overVoltage: true,
      stalled: true,
    })
  })

  test('LED error bits: protocol table 3', () => {
    expect(decodeLxLedErrorBits(0)).toEqual({ overTemp: false, overVoltage: false, stalled: false })
    expect(decodeLxLedErrorBits(1)).toEqual({ overTemp: true, overVoltage: false, stalled: false })
    expect(decodeLxLedErrorBits(2)).toEqual({ overTemp: false, overVoltage: true, stalled: false })
    expect(decodeLxLedErrorBits(4)).toEqual({ overTemp: false, overVoltage: false, stalled: true })
    expect(decodeLxLedErrorBits(7)).toEqual({ overTemp: true, overVoltage: true, stalled: true })
  })

  test('a typed decoder rejects the wrong reply with a clear message', () => {
    const temp = decodeOne(fromHex('55 55 02 04 1a 29 b6'))
    expect(() => decodePosReply(temp)).toThrow(/expected a POS_READ reply \(cmd 28, 2 params\), got cmd 26 with 1 params from id 2/)
    // The echo of a read request has the right cmd but no params.
    expect(() => decodePosReply(decodeOne(encodePosRead(1)))).toThrow(RangeError)
  })

  test('writes and wrong lengths are not replies', () => {
    expect(decodeLxReply(decodeOne(encodeMoveTimeWrite(1, 1, 1)))).toBeUndefined()
    expect(decodeLxReply(decodeOne(encodeLxFrame(1, LxCmd.POS_READ, [1])))).toBeUndefined()
  })

  test('round trip over random replies (seeded)', () => {
    const rng = new Rng(1234)
    const gen = (): LxReply => {
      const id = rng.int(0, 253)
      switch (rng.int(0, 13)) {
        case 0:
          return { kind: 'MOVE_TIME_READ', id, pos: rng.int(-32768, 32767), timeMs: rng.int(0, 65535) }
        case 1:
          return { kind: 'MOVE_TIME_WAIT_READ', id, pos: rng.int(0, 1000), timeMs: rng.int(0, 30000) }
        case 2:
          return { kind: 'ID_READ', id, servoId: rng.int(0, 255) }
        case 3:
          return { kind: 'ANGLE_OFFSET_READ', id, offset: rng.int(-128, 127) }
        case 4:
          return { kind: 'ANGLE_LIMIT_READ', id, min: rng.int(0, 65535), max: rng.int(0, 65535) }
        case 5:
          return { kind: 'VIN_LIMIT_READ', id, minMv: rng.int(0, 65535), maxMv: rng.int(0, 65535) }
        case 6:
          return { kind: 'TEMP_MAX_LIMIT_READ', id, limitC: rng.int(0, 255) }
        case 7:
          return { kind: 'TEMP_READ', id, tempC: rng.int(0, 255) }
        case 8:
          return { kind: 'VIN_READ', id, mv: rng.int(0, 65535) }
        case 9:
          return { kind: 'POS_READ', id, pos: rng.int(-32768, 32767) }
        case 10:
          return { kind: 'OR_MOTOR_MODE_READ', id, mode: rng.int(0, 1), speed: rng.int(-1000, 1000) }
        case 11:
          return { kind: 'LOAD_OR_UNLOAD_READ', id, torque: rng.bool() }
        case 12:
          return { kind: 'LED_CTRL_READ', id, ledOn: rng.bool() }
        default: {
          const bits = rng.int(0, 7)
          return { kind: 'LED_ERROR_READ', id, bits, ...decodeLxLedErrorBits(bits) }
        }
      }
    }
    const replies = Array.from({ length: 5000 }, gen)
    const stream = new Uint8Array(replies.reduce((n, r) => n + encodeLxReply(r).length, 0))
    let at = 0
    for (const r of replies) {
      const b = encodeLxReply(r)
      stream.set(b, at)
      at += b.length
    }
    const frames = new LxFrameDecoder().push(stream)
    expect(frames.map(decodeLxReply)).toEqual(replies)
  })

  test('round trip over random requests (seeded)', () => {
    const rng = new Rng(99)
    const dec = new LxFrameDecoder()
    for (let n = 0; n < 5000; n++) {
      const id = rng.int(0, 254)
      const pos = rng.int(0, 1000)
      const t = rng.int(0, 30000)
      const f = dec.push(encodeMoveTimeWrite(id, pos, t))[0]
      expect([f.id, f.params[0] | (f.params[1] << 8), f.params[2] | (f.params[3] << 8)]).toEqual([id, pos, t])
      const off = rng.int(-125, 125)
      const g = dec.push(encodeAngleOffsetAdjust(id, off))[0]
      expect((g.params[0] << 24) >> 24).toBe(off)
      const speed = rng.int(-1000, 1000)
      const h = dec.push(encodeOrMotorModeWrite(id, 1, speed))[0]
      expect(((h.params[2] | (h.params[3] << 8)) << 16) >> 16).toBe(speed)
    }
    expect(dec.stats.frames).toBe(15000)
    expect(dec.stats.discardedBytes).toBe(0)
  })

  test('every read command has a reply length and a request encoder yields LEN 3', () => {
    for (const [cmd, n] of Object.entries(LX_REPLY_PARAM_COUNT)) {
      expect(n).toBeGreaterThan(0)
      expect(encodeLxFrame(1, Number(cmd))[3]).toBe(3)
    }
  })
})

describe('half-duplex echo handling', () => {
  test('echo of the request, then the reply, in one read', () => {
    const req = encodePosRead(3)
    const reply = encodeLxReply({ kind: 'POS_READ', id: 3, pos: 498 })
    const [echo, answer] = new LxFrameDecoder().push(Uint8Array.from([...req, ...reply]))
    expect(isLxEcho(echo, req)).toBe(true)
    expect(isLxReplyTo(echo, req)).toBe(false)
    expect(isLxEcho(answer, req)).toBe(false)
    expect(isLxReplyTo(answer, req)).toBe(true)
    expect(decodePosReply(answer)).toBe(498)
  })

  test('a reply from another servo or to another command does not match', () => {
    const req = encodePosRead(3)
    const other = decodeOne(encodeLxReply({ kind: 'POS_READ', id: 4, pos: 1 }))
    const temp = decodeOne(encodeLxReply({ kind: 'TEMP_READ', id: 3, tempC: 30 }))
    expect(isLxReplyTo(other, req)).toBe(false)
    expect(isLxReplyTo(temp, req)).toBe(false)
  })

  test("broadcast ID_READ accepts the single servo's answer", () => {
    const req = encodeIdRead()
    const answer = decodeOne(encodeLxReply({ kind: 'ID_READ', id: 9, servoId: 9 }))
    expect(isLxReplyTo(answer, req)).toBe(true)
    expect(decodeIdReply(answer)).toBe(9)
  })

  test('write echoes are recognised byte for byte', () => {
    const req = encodeMoveTimeWrite(5, 300, 1000)
    expect(isLxEcho(decodeOne(req), req)).toBe(true)
    expect(isLxEcho(decodeOne(encodeMoveTimeWrite(5, 301, 1000)), req)).toBe(false)
  })
})

describe('LxFrameDecoder', () => {
  const vector = fromHex('55 55 01 05 1c f4 01 e8')

  test('byte-at-a-time input gives the same frame', () => {
    const dec = new LxFrameDecoder()
    const got: LxFrame[] = []
    for (const b of vector) got.push(...dec.push(Uint8Array.of(b)))
    expect(got.length).toBe(1)
    expect(decodePosReply(got[0])).toBe(500)
    expect(dec.pending).toBe(0)
  })

  test('garbage before a frame is discarded and counted; offsets are stream positions', () => {
    const dec = new LxFrameDecoder()
    const frames = dec.push(Uint8Array.from([1, 2, 0x55, 3, ...vector]))
    expect(frames.map((f) => f.offset)).toEqual([4])
    expect(dec.stats).toEqual({ frames: 1, checksumErrors: 0, badLength: 0, discardedBytes: 4, bytesIn: 12 })
  })

  test('extra 0x55 bytes before the header are skipped', () => {
    const dec = new LxFrameDecoder()
    const frames = dec.push(Uint8Array.from([0x55, 0x55, 0x55, ...vector]))
    expect(frames.length).toBe(1)
    expect(frames[0].offset).toBe(3)
    // 55 55 55 55 reads as id 0x55, LEN 0x55: each stray 0x55 costs one rejected candidate.
    expect(dec.stats.discardedBytes).toBe(3)
    expect(dec.stats.badLength).toBe(3)
  })

  test('a bad LEN drops one byte and the frame right behind it is found', () => {
    const dec = new LxFrameDecoder()
    const frames = dec.push(Uint8Array.from([0x55, 0x55, 0x01, 0xff, ...vector]))
    expect(frames.length).toBe(1)
    expect(dec.stats.badLength).toBe(1)
    expect(dec.stats.discardedBytes).toBe(4)
  })

  test('LEN below 3 is rejected immediately, without waiting for more bytes', () => {
    const dec = new LxFrameDecoder()
    expect(dec.push(fromHex('55 55 01 02'))).toEqual([])
    expect(dec.stats.badLength).toBe(1)
    expect(dec.pending).toBe(0)
  })

  test('a truncated frame whose candidate swallows the next header still yields the next frame', () => {
    const dec = new LxFrameDecoder()
    const truncated = vector.subarray(0, 5)
    const frames = dec.push(Uint8Array.from([...truncated, ...vector, ...vector]))
    expect(frames.map((f) => f.offset)).toEqual([5, 13])
    expect(dec.stats.checksumErrors).toBe(1)
    expect(dec.stats.discardedBytes).toBe(5)
  })

  test('checksum error is counted and the corrupt frame dropped', () => {
    const dec = new LxFrameDecoder()
    const corrupt = vector.slice()
    corrupt[5] ^= 0x10
    expect(dec.push(Uint8Array.from([...corrupt, ...vector])).length).toBe(1)
    expect(dec.stats.checksumErrors).toBe(1)
  })

  test('an incomplete frame is held, not discarded, until the rest arrives', () => {
    const dec = new LxFrameDecoder()
    expect(dec.push(vector.subarray(0, 6))).toEqual([])
    expect(dec.pending).toBe(6)
    expect(dec.push(vector.subarray(6)).length).toBe(1)
  })

  test('reset() drops pending bytes and counts them', () => {
    const dec = new LxFrameDecoder()
    dec.push(vector.subarray(0, 6))
    dec.reset()
    expect(dec.pending).toBe(0)
    expect(dec.stats.discardedBytes).toBe(6)
    expect(dec.push(vector)[0].offset).toBe(6)
  })

  test('maxLen option: a longer LEN can be allowed for non-standard frames', () => {
    const long = encodeLxFrame(1, 99, [1, 2, 3, 4, 5, 6])
    expect(new LxFrameDecoder().push(long)).toEqual([])
    expect(new LxFrameDecoder({ maxLen: 9 }).push(long).length).toBe(1)
    expect(() => new LxFrameDecoder({ maxLen: 2 })).toThrow(RangeError)
  })

  test('a large single push is processed in slices with bounded memory', () => {
    const n = 20000
    const stream = new Uint8Array(n * vector.length)
    for (let i = 0; i < n; i++) stream.set(vector, i * vector.length)
    const dec = new LxFrameDecoder()
    const frames = dec.push(stream)
    expect(frames.length).toBe(n)
    expect(frames[n - 1].offset).toBe((n - 1) * vector.length)
  })

  test('frames own their params (buffer reuse does not corrupt earlier results)', () => {
    const dec = new LxFrameDecoder()
    const first = dec.push(vector)[0]
    for (let i = 0; i < 1000; i++) dec.push(encodeLxReply({ kind: 'POS_READ', id: 2, pos: i }))
    expect(decodePosReply(first)).toBe(500)
  })
})
