/** Small helpers shared by the transport tests. */
import { TransportError } from './errors.ts'

/** The TransportError a sync call throws; fails the test if it throws nothing or something else. */
export function thrown(fn: () => unknown): TransportError {
  try {
    fn()
  } catch (e) {
    if (e instanceof TransportError) return e
    throw new Error(`expected a TransportError, got ${String(e)}`)
  }
  throw new Error('expected a TransportError, nothing was thrown')
}

/** The TransportError a promise rejects with. */
export async function rejected(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p
  } catch (e) {
    if (e instanceof TransportError) return e
    throw new Error(`expected a TransportError, got ${String(e)}`)
  }
  throw new Error('expected a TransportError, the promise resolved')
}

export function bytes(...b: number[]): Uint8Array {
  return Uint8Array.from(b)
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}
