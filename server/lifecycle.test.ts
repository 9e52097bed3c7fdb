import { describe, expect, test } from 'bun:test'
import { createLogger } from '../core/log.ts'
import { ServiceStartError, ServiceStopError, startInOrder, stopInReverse, timerService, type Service } from './lifecycle.ts'

function recorder() {
  const calls: string[] = []
  const lines: string[] = []
  const log = createLogger({ level: 'info', sink: (l) => lines.push(l) })
  const part = (name: string, fail: { start?: boolean; stop?: boolean } = {}): Service => ({
    name,
    start: async () => {
      await Promise.resolve()
      calls.push(`start ${name}`)
      if (fail.start) throw new Error(`${name} is broken`)
    },
    stop: () => {
      calls.push(`stop ${name}`)
      if (fail.stop) throw new Error(`${name} will not stop`)
    },
  })
  return { calls, lines, log, part }
}

describe('service lifecycle', () => {
  test('starts in the order declared and stops in the reverse, a part without a half included', async () => {
    const { calls, log, part } = recorder()
    const ready: Service = { name: 'ready once built', stop: () => void calls.push('stop ready once built') }
    const started = await startInOrder([part('database'), ready, part('broker'), part('server')], log)
    expect(calls).toEqual(['start database', 'start broker', 'start server'])
    await stopInReverse(started, log)
    expect(calls.slice(3)).toEqual(['stop server', 'stop broker', 'stop ready once built', 'stop database'])
  })

  test('a start that fails stops what was started, in reverse, and names the part', async () => {
    const { calls, lines, log, part } = recorder()
    const err = await startInOrder([part('database'), part('broker'), part('robot', { start: true }), part('server')], log).catch((e) => e)
    expect(err).toBeInstanceOf(ServiceStartError)
    expect(err.service).toBe('robot')
    expect(err.message).toBe('robot: robot is broken')
    expect((err.cause as Error).message).toBe('robot is broken')
    expect(calls).toEqual(['start database', 'start broker', 'start robot', 'stop broker', 'stop database'])
    expect(lines.some((l) => l.includes('cannot start') && l.includes('robot'))).toBe(true)
  })

  test('a failed start also stops what earlier calls started', async () => {
    const { calls, log, part } = recorder()
    const started = await startInOrder([part('database')], log)
    await expect(startInOrder([part('store'), part('sync', { start: true })], log, started)).rejects.toThrow('sync: sync is broken')
    expect(calls).toEqual(['start database', 'start store', 'start sync', 'stop store', 'stop database'])
  })

  test('a stop that fails does not keep the others from stopping, and is reported after them', async () => {
    const { calls, lines, log, part } = recorder()
    const started = await startInOrder([part('database'), part('broker', { stop: true }), part('publisher', { stop: true }), part('server')], log)
    const err = await stopInReverse(started, log).catch((e) => e)
    expect(calls.slice(4)).toEqual(['stop server', 'stop publisher', 'stop broker', 'stop database'])
    expect(err).toBeInstanceOf(ServiceStopError)
    expect(err.services).toEqual(['publisher', 'broker'])
    expect(lines.filter((l) => l.includes('stop failed')).length).toBe(2)
  })

  test('a start that fails while a stop also fails still throws the start failure', async () => {
    const { calls, log, part } = recorder()
    const err = await startInOrder([part('database'), part('broker', { stop: true }), part('robot', { start: true })], log).catch((e) => e)
    expect(err).toBeInstanceOf(ServiceStartError)
    expect(err.service).toBe('robot')
    expect(calls).toEqual(['start database', 'start broker', 'start robot', 'stop broker', 'stop database'])
  })

  test('a timer part clears its interval when stopped', async () => {
    const { log } = recorder()
    const beats = { n: 0 }
    const started = await startInOrder([timerService('beat', () => setInterval(() => beats.n++, 1))], log)
    await ticks(() => beats.n >= 2)
    await stopInReverse(started, log)
    const after = beats.n
    // Proof it would have beaten: a later interval of the same period fires several times.
    let later = 0
    await ticks(() => ++later >= 5)
    expect(beats.n).toBe(after)
  })
})

/** Resolves once `done` holds, checked every millisecond. */
function ticks(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const wait = setInterval(() => {
      if (!done()) return
      clearInterval(wait)
      resolve()
    }, 1)
  })
}
