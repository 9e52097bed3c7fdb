/** Helpers shared by the codec tests (not part of the codec API). */

/** Mulberry32: tiny, fast, seeded, good enough to drive fuzzing reproducibly. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  byte(): number {
    return (this.next() * 256) | 0
  }
  bool(p = 0.5): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')
}

export function fromHex(text: string): Uint8Array {
  const parts = text.trim().split(/\s+/)
  return Uint8Array.from(parts, (p) => parseInt(p, 16))
}

/** Growable byte sink for building long fuzz streams without per-byte array churn. */
export class ByteSink {
  buf: Uint8Array
  length = 0
  constructor(initial = 1 << 20) {
    this.buf = new Uint8Array(initial)
  }
  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + extra) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }
  push(bytes: Uint8Array): number {
    this.ensure(bytes.length)
    const at = this.length
    this.buf.set(bytes, at)
    this.length += bytes.length
    return at
  }
  pushByte(b: number): void {
    this.ensure(1)
    this.buf[this.length++] = b
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }
}
