// The ways a service could outlive the process that started it, or collide with another, tried for
// real: a run that dies (SIGKILL, or exit without stop()), a leftover from a crashed run, a second
// owner, and a port taken by someone else between our probe and the service's bind.
import { afterAll, describe, expect, test } from 'bun:test'
import { createServer, type Server } from 'node:net'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SQL } from 'bun'
import { startMosquitto } from './mosquitto.ts'
import { startPostgres } from './postgres.ts'
import { startInfluxDB } from './influxdb.ts'
import { findPostgres } from './debian-packages.ts'
import { lookupSystemUser, isRoot } from './system-user.ts'
import { startTimeOf, type PidFile } from './service-process.ts'
import { freePort } from './free-port.ts'
import { mqttConnect, scratchDir, waitNoLeftovers } from './test-helpers.ts'

const scratch = scratchDir('service-process')
afterAll(() => scratch.remove())

/** A bun process that starts mosquitto in `dir`, prints its pid, then does `then`. */
function ownerProcess(dir: string, then: 'wait' | 'exit'): { proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>; brokerPid: Promise<number> } {
  const code = `
    import { startMosquitto } from ${JSON.stringify(join(import.meta.dir, 'mosquitto.ts'))}
    const m = await startMosquitto({ dir: ${JSON.stringify(dir)} })
    console.log(m.pid)
    ${then === 'exit' ? 'process.exit(0)' : 'setInterval(() => {}, 1 << 30)'}
  `
  const proc = Bun.spawn([process.execPath, '-e', code], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const brokerPid = (async () => {
    const reader = proc.stdout.getReader()
    let text = ''
    while (!text.includes('\n')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`owner process ended without a pid: ${await new Response(proc.stderr).text()}`)
      text += new TextDecoder().decode(value)
    }
    reader.releaseLock()
    return Number(text.trim())
  })()
  return { proc, brokerPid }
}

describe('a service never outlives the process that started it', () => {
  test('owner killed with SIGKILL: the kernel stops the service (parent-death signal)', async () => {
    const dir = join(scratch.dir, 'killed')
    const owner = ownerProcess(dir, 'wait')
    const pid = await owner.brokerPid
    expect(await waitNoLeftovers([pid], dir, 100)).not.toEqual([]) // running while its owner is
    owner.proc.kill('SIGKILL')
    expect(await waitNoLeftovers([pid], dir)).toEqual([])
  })

  test('owner exits without calling stop(): the service stops too', async () => {
    const dir = join(scratch.dir, 'exited')
    const owner = ownerProcess(dir, 'exit')
    const pid = await owner.brokerPid
    expect(await owner.proc.exited).toBe(0)
    expect(await waitNoLeftovers([pid], dir)).toEqual([])
  })

  test('a directory in use by another live process is refused, not taken over', async () => {
    const dir = join(scratch.dir, 'shared')
    const owner = ownerProcess(dir, 'wait')
    const pid = await owner.brokerPid
    try {
      await expect(startMosquitto({ dir })).rejects.toThrow(/belongs to another running process/)
    } finally {
      owner.proc.kill('SIGKILL')
    }
    expect(await waitNoLeftovers([pid], dir)).toEqual([])
  })

  test('the same directory twice in one process is refused', async () => {
    const dir = join(scratch.dir, 'twice')
    const m = await startMosquitto({ dir })
    try {
      await expect(startMosquitto({ dir })).rejects.toThrow(/already running from .* in this process/)
    } finally {
      await m.stop()
    }
  })

  test('a postmaster left running by a crashed run is stopped, and the cluster starts again', async () => {
    const pgRoot = findPostgres()
    expect(pgRoot).not.toBeNull()
    const dir = join(scratch.dir, 'stale-pg')
    const first = await startPostgres({ dir })
    const url = first.url
    await first.stop()
    // The leftover: a postmaster on the same cluster, started outside our supervision (no parent-
    // death signal), and a pid file that names it and an owner that no longer exists.
    const account = isRoot() ? lookupSystemUser('postgres') : null
    const as = account ? [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups'] : []
    const stale = Bun.spawn(['setpriv', ...as, '--', pgRoot?.postgres as string, '-D', join(dir, 'pgdata'), '-p', String(await freePort()), '-k', dir], {
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'ignore',
      detached: true,
    })
    const until = Date.now() + 10_000
    while (!readFileSafe(join(dir, 'pgdata', 'postmaster.pid')).includes('ready')) {
      if (Date.now() > until) throw new Error('the stand-in leftover postmaster did not start')
      await Bun.sleep(20)
    }
    const record: PidFile = { pid: stale.pid, startTime: startTimeOf(stale.pid) as string, owner: { pid: 999_999_999, startTime: '1' } }
    writeFileSync(join(dir, 'postgres.pid'), JSON.stringify(record))

    const again = await startPostgres({ dir })
    try {
      expect(await stale.exited).toBeDefined()
      const sql = new SQL(again.url)
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
      await sql.close()
      expect(new URL(again.url).password).toBe(new URL(url).password)
    } finally {
      await again.stop()
    }
    expect(await waitNoLeftovers([stale.pid, again.pid], join(dir, 'pgdata'))).toEqual([])
  })
})

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** A port held by someone else, as when another program wins the race for it. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { port: (server.address() as { port: number }).port, server }
}

describe('a port taken between the probe and the bind', () => {
  test('each service notices it lost the port and starts on another', async () => {
    const held = await holdPort()
    try {
      const [pg, influx, mqtt] = await Promise.all([
        startPostgres({ dir: join(scratch.dir, 'clash-pg'), port: held.port }),
        startInfluxDB({ dir: join(scratch.dir, 'clash-influx'), port: held.port }),
        startMosquitto({ dir: join(scratch.dir, 'clash-mqtt'), port: held.port }),
      ])
      try {
        for (const s of [pg, influx, mqtt]) expect(s.port).not.toBe(held.port)
        const logs = ['clash-pg/postgres.log', 'clash-influx/influxd.log', 'clash-mqtt/mosquitto.log']
        for (const log of logs) expect(readFileSync(join(scratch.dir, log), 'utf8')).toMatch(/address already in use/i)
        const sql = new SQL(pg.url)
        expect(await sql`SELECT 2 AS two`).toEqual([{ two: 2 }])
        await sql.close()
        expect((await fetch(`${influx.url}/ping`)).status).toBe(204)
        const c = await mqttConnect(mqtt.url, mqtt.serviceUser)
        await c.endAsync()
      } finally {
        await Promise.all([pg.stop(), influx.stop(), mqtt.stop()])
      }
    } finally {
      held.server.close()
    }
  })
})
