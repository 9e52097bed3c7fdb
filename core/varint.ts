// Growable byte writer and reader with zig-zag varints. Arithmetic instead of bit
// operators, because packed values (byte counters times resolution) exceed 32 bits.

export class ByteWriter {
  private buf = new Uint8Array(256)
  length = 0

  private ensure(extra: number) {
    if (this.length + extra <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + extra) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  byte(b: number) {
    this.ensure(1)
    this.buf[this.length++] = b
  }

  bytes(b: Uint8Array) {
    this.ensure(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** Unsigned varint, up to 2^53. */
  uvar(n: number) {
    this.ensure(8)
    while (n >= 128) {
      this.buf[this.length++] = (n % 128) + 128
      n = Math.floor(n / 128)
    }
    this.buf[this.length++] = n
  }

  /** Signed varint (zig-zag): small magnitudes of either sign stay short. */
  svar(n: number) {
    this.uvar(n >= 0 ? n * 2 : -n * 2 - 1)
  }

  string(s: string) {
    const b = new TextEncoder().encode(s)
    this.uvar(b.length)
    this.bytes(b)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

export class ByteReader {
  pos = 0
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('chunk truncated')
    return this.buf[this.pos++]
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new RangeError('chunk truncated')
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  uvar(): number {
    let n = 0
    let mul = 1
    for (;;) {
      const b = this.byte()
      n += (b & 127) * mul
      if (b < 128) return n
      mul *= 128
      if (mul > 2 ** 56) throw new RangeError('varint too long')
    }
  }

  svar(): number {
    const z = this.uvar()
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2
  }

  string(): string {
    return new TextDecoder().decode(this.bytes(this.uvar()))
  }
}
