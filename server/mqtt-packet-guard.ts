// Caps the size of MQTT packets before a broker of ours (the edge's, the hub's listener for the
// earlier client) buffers them. aedes's parser (mqtt-packet) collects a packet whole, however
// long its header says it is, before anyone has checked who sent it: this reads each packet's
// fixed header as the bytes pass and ends the connection as soon as one declares more than its
// limit. The first packet (CONNECT, sent before authentication) gets a small limit; later ones
// the broker's.
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

export interface PacketLimits {
  /** The CONNECT packet: client id, credentials and a will fit in a few hundred bytes. */
  firstPacketBytes: number
  packetBytes: number
}

export const PACKET_LIMITS: PacketLimits = { firstPacketBytes: 8 * 1024, packetBytes: 256 * 1024 }

export class PacketSizeGuard {
  private packets = 0
  /** Bytes of the current packet's body still to pass; -1 while reading a fixed header. */
  private remaining = -1
  private lengthBytes = 0
  private length = 0
  private multiplier = 1
  private headerByteSeen = false

  constructor(private readonly limits: PacketLimits = PACKET_LIMITS) {}

  /** Null when the bytes may pass, else why the connection must end. */
  accept(chunk: Uint8Array): string | null {
    let i = 0
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i)
        this.remaining -= n
        i += n
        if (this.remaining === 0) this.nextPacket()
        continue
      }
      if (!this.headerByteSeen) {
        this.headerByteSeen = true
        i++
        continue
      }
      const b = chunk[i++]
      this.length += (b & 0x7f) * this.multiplier
      this.multiplier *= 128
      if (++this.lengthBytes > 4) return 'malformed remaining length'
      if (b & 0x80) continue
      const limit = this.packets === 0 ? this.limits.firstPacketBytes : this.limits.packetBytes
      if (this.length > limit) return `a packet of ${this.length} bytes (the limit is ${limit}${this.packets === 0 ? ' before authentication' : ''})`
      this.remaining = this.length
      if (this.remaining === 0) this.nextPacket()
    }
    return null
  }

  private nextPacket() {
    this.packets++
    this.remaining = -1
    this.lengthBytes = 0
    this.length = 0
    this.multiplier = 1
    this.headerByteSeen = false
  }
}

/** A TCP socket as a stream aedes reads, with the guard between them. */
export function guardedSocket(socket: Socket, onRefused: (why: string) => void, limits = PACKET_LIMITS): Duplex {
  const guard = new PacketSizeGuard(limits)
  const stream = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb)
    },
    final(cb) {
      socket.end()
      cb()
    },
    destroy(err, cb) {
      socket.destroy()
      cb(err)
    },
  })
  socket.on('data', (chunk: Buffer) => {
    const why = guard.accept(chunk)
    if (why) {
      onRefused(why)
      socket.destroy()
      stream.destroy()
      return
    }
    if (!stream.push(chunk)) socket.pause()
  })
  socket.on('end', () => stream.push(null))
  socket.on('close', () => stream.destroy())
  socket.on('error', (err) => stream.destroy(err))
  Object.assign(stream, { remoteAddress: socket.remoteAddress })
  return stream
}
