/** Small helpers shared by the transport tests. */
import { readdirSync, readFileSync } from 'node:fs'
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

/** poll and ppoll on x86_64 and arm64 (asm/unistd.h): whichever libc's poll() ends in. */
const POLL_SYSCALLS = new Set(process.arch === 'arm64' ? [73] : [7, 271])

/**
 * Whether a thread of this process is blocked in poll() right now (Linux: the syscall each
 * thread is in, from /proc). The fd worker is the only one that polls: the event loop uses
 * epoll. So "a wait is pending on the thread" is something a test can wait for.
 */
export function threadInPoll(): boolean {
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const nr = Number(readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').split(' ')[0])
      if (POLL_SYSCALLS.has(nr)) return true
    } catch {
      // The thread ended while we looked.
    }
  }
  return false
}
