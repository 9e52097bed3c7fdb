import { describe, expect, test } from 'bun:test'
import { PacketSizeGuard } from './mqtt-packet-guard.ts'

const packet = (type: number, body: number) => {
  const len: number[] = []
  let n = body
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    len.push(b)
  } while (n > 0)
  return Buffer.concat([Buffer.from([type, ...len]), Buffer.alloc(body)])
}

describe('MQTT packet size guard', () => {
  test('a first packet over its limit is refused from its header alone', () => {
    const g = new PacketSizeGuard({ firstPacketBytes: 100, packetBytes: 1000 })
    expect(g.accept(packet(0x10, 5_000_000).subarray(0, 5))).toMatch(/before authentication/)
  })

  test('packets split anywhere across chunks are followed; later packets get the larger limit', () => {
    const g = new PacketSizeGuard({ firstPacketBytes: 100, packetBytes: 1000 })
    const stream = Buffer.concat([packet(0x10, 90), packet(0x30, 900), packet(0x30, 0), packet(0xc0, 0), packet(0x30, 200)])
    for (let i = 0; i < stream.length; i += 7) expect(g.accept(stream.subarray(i, i + 7))).toBeNull()
    expect(g.accept(packet(0x30, 1001))).toMatch(/1001 bytes/)
  })

  test('a remaining length of more than four bytes is malformed', () => {
    expect(new PacketSizeGuard().accept(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]))).toMatch(/malformed/)
  })
})
