/**
 * Shared buffering for the streaming frame decoders.
 *
 * Input is fed through in slices of at most SLICE bytes, so the working buffer never grows
 * past SLICE + the longest frame, whatever the caller pushes at once (a 10 MB replay
 * costs the same memory as a 10-byte UART read). Between slices only the undecided tail
 * (less than one frame) is moved to the front, so there is no per-byte copying.
 */

const SLICE = 4096

export interface StreamStats {
  /** Frames that passed every check and were returned. */
  frames: number
  /** Candidates with a valid header and length whose checksum did not match. */
  checksumErrors: number
  /** Candidates rejected by their LEN byte. */
  badLength: number
  /** Bytes dropped while hunting for a header or after a rejected candidate. */
  discardedBytes: number
  /** Every byte ever pushed. Invariant: bytesIn = frame bytes + discardedBytes + pending. */
  bytesIn: number
}

export abstract class StreamDecoder<F, S extends StreamStats> {
  readonly stats: S
  protected buf: Uint8Array
  protected start = 0
  protected end = 0
  /** Absolute stream offset of buf[0], so frames can report where they started. */
  protected base = 0

  protected constructor(maxFrameBytes: number, stats: S) {
    this.buf = new Uint8Array(SLICE + maxFrameBytes)
    this.stats = stats
  }

  /** Bytes held back because they may still begin a frame. */
  get pending(): number {
    return this.end - this.start
  }

  push(bytes: Uint8Array): F[] {
    const out: F[] = []
    const n = bytes.length
    this.stats.bytesIn += n
    for (let off = 0; off < n; off += SLICE) {
      this.append(bytes.subarray(off, Math.min(n, off + SLICE)))
      this.parse(out)
    }
    return out
  }

  /**
   * Drops whatever is pending (counted as discarded). For a half-duplex link: after a
   * timeout the half-received reply is stale and must not glue onto the next one.
   */
  reset(): void {
    this.stats.discardedBytes += this.end - this.start
    this.base += this.end
    this.start = 0
    this.end = 0
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      // Pending is always shorter than one frame, so after compaction a slice fits.
      this.buf.copyWithin(0, this.start, this.end)
      this.base += this.start
      this.end -= this.start
      this.start = 0
    }
    this.buf.set(chunk, this.end)
    this.end += chunk.length
  }

  /** Consume complete frames and garbage from buf[start, end); leave start at the first undecided byte. */
  protected abstract parse(out: F[]): void
}
