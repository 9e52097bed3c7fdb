import { afterEach, describe, expect, test } from 'bun:test'
import { FdWorker } from './fd-worker.ts'
import { libc, O_CLOEXEC, O_NONBLOCK, POLLIN } from './libc.ts'
import { I2C_MODE_RDWR } from './i2c.ts'
import { bytes, rejected, threadInPoll } from './test-support.ts'
import { waitFor } from '../../test/support/wait-for.ts'

const stops: Array<() => void> = []
afterEach(() => {
  for (const s of stops.splice(0)) s()
})

async function started(): Promise<FdWorker> {
  const w = FdWorker.start()
  expect(w).not.toBeNull()
  stops.push(() => w!.stop())
  expect(await w!.whenReady()).toBe(true)
  return w!
}

function pipe(): [number, number] {
  const p = new Int32Array(2)
  expect(libc().pipe2(p, O_CLOEXEC | O_NONBLOCK)).toBe(0)
  stops.push(() => {
    libc().close(p[0]!)
    libc().close(p[1]!)
  })
  return [p[0]!, p[1]!]
}

describe('FdWorker', () => {
  test('poll times out with 0 after about the timeout, without blocking the JS thread', async () => {
    const w = await started()
    const [r] = pipe()
    let ticks = 0
    const timer = setInterval(() => ticks++, 2)
    const t0 = performance.now()
    expect(await w.poll(r, POLLIN, 50)).toBe(0)
    clearInterval(timer)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45)
    expect(ticks).toBeGreaterThan(5) // the event loop kept running meanwhile
  })

  test('poll returns POLLIN as soon as data arrives', async () => {
    const w = await started()
    const [r, wr] = pipe()
    // Written once the thread is blocked in poll, so it is the arrival that ends the poll.
    void waitFor('the poll on the thread', threadInPoll, 2000, 1).then(() => libc().write(wr, bytes(1), 1))
    const t0 = performance.now()
    expect(await w.poll(r, POLLIN, 5000)).toBe(POLLIN)
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  test('one call at a time: a second concurrent call is refused (callers fall back)', async () => {
    const w = await started()
    const [r] = pipe()
    const first = w.poll(r, POLLIN, 100)
    expect(w.available).toBe(false)
    expect((await rejected(w.poll(r, POLLIN, 10))).code).toBe('EBUSY')
    await first
    expect(w.available).toBe(true)
  })

  test('wake() cuts a poll short; stop() ends a pending call at once', async () => {
    const w = await started()
    const [r] = pipe()
    const t0 = performance.now()
    const p = w.poll(r, POLLIN, 5000)
    void waitFor('the poll on the thread', threadInPoll, 2000, 1).then(() => w.wake())
    expect(await p).toBe(0)
    expect(performance.now() - t0).toBeLessThan(1000)
    const pending = rejected(w.poll(r, POLLIN, 5000))
    w.stop()
    expect((await pending).code).toBe('ECLOSED')
    expect(w.available).toBe(false)
  })

  test('tcdrain and I2C transfers run on the thread and report errno', async () => {
    const w = await started()
    const [r] = pipe()
    expect(await w.tcdrain(r)).toBe(-25) // ENOTTY: a pipe is not a tty
    const { rc } = await w.i2c(r, 0x68, bytes(0x75), 1, I2C_MODE_RDWR)
    expect(rc).toBe(-25)
  })
})
