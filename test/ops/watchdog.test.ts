// systemd's notify protocol against a socket this test listens on, as systemd would: the edge and
// the hub say READY=1 once they serve, ping the watchdog at half its interval while they work,
// stop pinging when the edge's health fails or the process stops turning its loop, and say
// STOPPING=1 on SIGTERM.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../tools/services/free-port.ts'
import { NotifyListener, SystemdNotifier, watchdogIntervalMs } from '../../server/sd-notify.ts'
import { superviseEdge } from '../../edge/watchdog.ts'
import { startTestEdge, waitFor } from '../support/edge-harness.ts'
import { startEdgeProcess, startHubProcess, startHubServices, type HubServices } from '../support/processes.ts'

const dir = mkdtempSync(join(tmpdir(), 'tonypi-notify-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const listen = () => new NotifyListener(join(dir, `notify-${++n}.sock`))
const pings = (l: NotifyListener) => l.drain().filter((d) => d.split('\n').includes('WATCHDOG=1')).length
/** Whether every thread of a process is stopped (state T in /proc): it sends nothing more until SIGCONT. */
function allThreadsStopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      return stat[stat.lastIndexOf(')') + 2] === 'T'
    })
  } catch {
    return false // a thread ended while we looked: ask again
  }
}

describe('the notify protocol', () => {
  test('datagrams of KEY=value lines reach a socket path and an abstract name', () => {
    const l = listen()
    expect(new SystemdNotifier(l.path).notify({ READY: 1, STATUS: 'serving\nnow' })).toBe(true)
    expect(l.drain()).toEqual(['READY=1\nSTATUS=serving now'])
    l.close()
    const name = `@tonypi-test-${process.pid}-${Date.now()}`
    const a = new NotifyListener(name)
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: name })!.notify({ WATCHDOG: 1 })).toBe(true)
    expect(a.drain()).toEqual(['WATCHDOG=1'])
    a.close()
    // Nobody listening: refused, not thrown.
    expect(new SystemdNotifier(join(dir, 'nobody.sock')).notify({ READY: 1 })).toBe(false)
  })

  test('only under systemd: no socket, no notifier; a watchdog meant for another process is not ours', () => {
    expect(SystemdNotifier.fromEnv({})).toBeNull()
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: 'relative.sock' })).toBeNull()
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' })).toBe(30_000)
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid + 1) })).toBeNull()
    expect(watchdogIntervalMs({})).toBeNull()
  })
})

describe('the edge', () => {
  test('as systemd starts it: READY=1, then a ping every half interval; none while it is stopped; STOPPING=1 on SIGTERM', async () => {
    const l = listen()
    const data = mkdtempSync(join(dir, 'edge-'))
    const edge = await startEdgeProcess({
      robotId: 'notifybot',
      dataDir: data,
      adminPassword: 'notify-admin-password',
      env: { NOTIFY_SOCKET: l.path, WATCHDOG_USEC: '1000000' },
    })
    try {
      await waitFor('READY=1', () => l.drain()[0]?.split('\n').includes('READY=1'), 5000)
      expect(l.received[0]).toContain('STATUS=robot notifybot: serving')
      await waitFor('three pings', () => pings(l) >= 3, 5000, 50)
      // A process that no longer runs (SIGSTOP stands in for a hang) pings no more.
      edge.proc.kill('SIGSTOP')
      // Once every thread of it has stopped, whatever it sent is in our socket's buffer.
      await waitFor('the edge stopped', () => allThreadsStopped(edge.proc.pid), 5000, 10)
      const before = pings(l)
      // The hang is the thing under test: one and a half watchdog intervals with no ping.
      await Bun.sleep(1500)
      expect(pings(l)).toBe(before)
      edge.proc.kill('SIGCONT')
      await waitFor('pings again', () => pings(l) > before, 5000, 50)
    } finally {
      edge.proc.kill('SIGCONT')
      await edge.stop()
    }
    expect(l.drain().at(-1)).toContain('STOPPING=1')
    l.close()
  }, 60_000)

  test('its pings stop when its health fails (no samples), and its status says why', async () => {
    const h = await startTestEdge()
    const l = listen()
    const sup = superviseEdge(h.edge.ctx, new SystemdNotifier(l.path), 400)
    try {
      await waitFor('pings', () => pings(l) >= 2, 5000, 50)
      h.edge.quiesce() // the collector stops: no more samples
      await waitFor('a failing status', () => l.drain().some((d) => d.includes('STATUS=robot testbot: failing: samples')), 15_000, 50)
      const before = pings(l)
      // Two and a half ping intervals of silence are what systemd would act on: the time is the subject.
      await Bun.sleep(1000)
      expect(pings(l)).toBe(before)
    } finally {
      sup.stop()
      await h.stop()
      l.close()
    }
  }, 30_000)
})

describe('the hub', () => {
  let services: HubServices
  beforeAll(async () => {
    services = await startHubServices()
  }, 120_000)
  afterAll(async () => {
    await services?.services.stop()
    if (services) rmSync(services.dir, { recursive: true, force: true })
  })

  test('as systemd starts it: READY=1, pings with its dependencies in its status, STOPPING=1 on SIGTERM', async () => {
    const l = listen()
    const hub = await startHubProcess(services, await freePort(), 'notify-admin-password', { NOTIFY_SOCKET: l.path, WATCHDOG_USEC: '1000000' })
    try {
      await waitFor('READY=1', () => l.drain().some((d) => d.split('\n').includes('READY=1')), 5000)
      await waitFor('pings and an ok status', () => pings(l) >= 2 && l.received.some((d) => d.includes('STATUS=ok')), 10_000, 50)
    } finally {
      await hub.stop()
    }
    expect(l.drain().at(-1)).toContain('STOPPING=1')
    l.close()
  }, 60_000)
})
