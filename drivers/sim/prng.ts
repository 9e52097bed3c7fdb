// Seeded pseudo-random numbers for the simulated robot. Math.random cannot be seeded, and the
// simulator must replay the same readings for the same seed and call sequence so that a failing
// test or a recorded session can be reproduced exactly.

/**
 * mulberry32: 32 bits of state, one multiply-xorshift round per draw. Statistically plenty for
 * sensor noise, tiny, and identical on every JavaScript engine because it only uses 32-bit
 * integer arithmetic (Math.imul, >>>).
 */
export class Prng {
  private state: number
  /** Box-Muller yields normals in pairs; keeping the second halves the cost of gaussian(). */
  private spare: number | null = null

  constructor(seed: number) {
    // Scramble the seed once so that neighbouring seeds (1, 2, 3...) start far apart.
    this.state = splitmix32(seed >>> 0)
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** Standard normal (mean 0, standard deviation 1), Box-Muller. */
  gaussian(): number {
    if (this.spare !== null) {
      const s = this.spare
      this.spare = null
      return s
    }
    // 1 - next() lies in (0, 1]: log(0) would be -Infinity.
    const r = Math.sqrt(-2 * Math.log(1 - this.next()))
    const a = 2 * Math.PI * this.next()
    this.spare = r * Math.sin(a)
    return r * Math.cos(a)
  }

  /**
   * An independent generator seeded from this one. Separate streams keep, say, position-read
   * noise from shifting the IMU noise when a caller polls servos more or less often.
   */
  fork(): Prng {
    return new Prng(this.nextUint32())
  }
}

/** One splitmix32 round: a bijective 32-bit hash, used to spread out small seeds. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}
