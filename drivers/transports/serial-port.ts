/**
 * The byte pipe every bus driver talks through: a real UART (uart.ts), a pty master
 * (pty.ts) or an in-memory twin (memory.ts). Deliberately small: the codecs and the
 * collector need nothing else, and every method has an obvious twin.
 */
import { TransportError } from './errors.ts'

export interface SerialPort {
  /** Queue bytes for sending; resolves when the kernel has taken all of them (not when sent). */
  write(bytes: Uint8Array): Promise<void>
  /** Resolves when everything written has left the wire (tcdrain). The half-duplex turnaround waits on this. */
  drain(): Promise<void>
  /** Non-blocking: the bytes that have arrived, at most `max`; empty when none. */
  read(max?: number): Uint8Array
  /**
   * Resolves true as soon as read() would return something, false after timeoutMs without
   * data. Rejects (TransportError, `disconnected`) when the device goes away meanwhile.
   */
  waitReadable(timeoutMs: number): Promise<boolean>
  /** Discard input that has arrived but not been read (tcflush TCIFLUSH): stale replies. */
  flush(): void
  /** Idempotent. Later calls fail with code ECLOSED. */
  close(): void
  readonly isOpen: boolean
}

/**
 * Read exactly n bytes within timeoutMs, or throw ETIMEDOUT with what did arrive attached
 * (err.partial), so a caller can tell "silent servo" from "half a reply".
 */
export async function readExact(port: SerialPort, n: number, timeoutMs: number): Promise<Uint8Array> {
  const out = new Uint8Array(n)
  let got = 0
  let lastLook = false
  const deadline = performance.now() + timeoutMs
  while (got < n) {
    const chunk = port.read(n - got)
    if (chunk.length > 0) {
      out.set(chunk, got)
      got += chunk.length
      continue
    }
    const left = deadline - performance.now()
    if (left > 0 && (await port.waitReadable(left))) continue
    if (lastLook) {
      const err = new TransportError('ETIMEDOUT', `read timed out after ${timeoutMs} ms: ${got} of ${n} bytes arrived`)
      throw Object.assign(err, { partial: out.slice(0, got) })
    }
    lastLook = true // one more read: bytes can land between the wait's deadline and now
  }
  return out
}
