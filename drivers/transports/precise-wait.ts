/**
 * Waits finer than a timer tick, for the half-duplex turnaround (half-duplex.ts) and the wire
 * twins (memory.ts). Times are performance.now() milliseconds.
 *
 * JS timers wake in whole milliseconds (and later when the event loop is busy), but the hat's
 * direction must turn within the servo's reply turnaround, about 0.3 ms after our last stop bit
 * (HARDWARE.md section 1). Two ways to wait that long:
 * - blockUntil: Atomics.wait on a private word (a futex sleep: no CPU) for the bulk, then a spin
 *   for the last SPIN_MS, because the futex wakes about 0.1 ms late (measured here: p50 +0.10 ms,
 *   p90 +0.12 ms for a 0.6 ms wait). It holds the thread, so nothing else in the process can make
 *   it late; meant for one frame's wire time (about a millisecond), never for long waits.
 * - sleepUntil: timers for the bulk, then yields to the event loop (setImmediate) until the
 *   deadline. Never blocks, so it is right for long waits where being a little late costs only
 *   time, not a reply.
 */

const FUTEX = new Int32Array(new SharedArrayBuffer(4))

/** How much of a blocking wait is spun rather than slept. */
export const SPIN_MS = 0.2

/** Longer than this is a caller's mistake: a blocked thread serves nobody else. */
export const MAX_BLOCK_MS = 50

/** Holds the thread until performance.now() >= t. */
export function blockUntil(t: number): void {
  const left0 = t - performance.now()
  if (left0 > MAX_BLOCK_MS) throw new RangeError(`blockUntil: ${left0.toFixed(1)} ms is too long to block (limit ${MAX_BLOCK_MS} ms)`)
  for (;;) {
    const left = t - performance.now()
    if (left <= 0) return
    if (left > SPIN_MS) Atomics.wait(FUTEX, 0, 0, left - SPIN_MS)
  }
}

/** Resolves at performance.now() >= t, to well under a millisecond, without blocking the thread. */
export async function sleepUntil(t: number): Promise<void> {
  for (;;) {
    const left = t - performance.now()
    if (left <= 0) return
    if (left > 2) await Bun.sleep(left - 1.5)
    else await new Promise<void>((r) => setImmediate(r))
  }
}
