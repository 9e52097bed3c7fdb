// `bun tools/services/cli.ts <dataDir>` as a developer runs it: JSON on stdout, Ctrl-C stops it all.
import { afterAll, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SQL } from 'bun'
import type { ServicesJson } from './dev-services.ts'
import { scratchDir, waitNoLeftovers } from './test-helpers.ts'

const CLI = join(import.meta.dir, 'cli.ts')
const scratch = scratchDir('services-cli')
afterAll(() => scratch.remove())

test('prints services.json, serves until SIGINT, then stops every service and exits 0', async () => {
  const proc = Bun.spawn([process.execPath, CLI, scratch.dir], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  let config: ServicesJson | undefined
  const pgids: number[] = []
  try {
    const reader = proc.stdout.getReader()
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the CLI ended early: ${await new Response(proc.stderr).text()}`)
      text += new TextDecoder().decode(value)
      try {
        config = JSON.parse(text) as ServicesJson
        break
      } catch {
        // not all of it yet
      }
    }
    reader.releaseLock()
    expect(existsSync(join(scratch.dir, 'services.json'))).toBe(true)
    const sql = new SQL(config.postgres_url)
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    await sql.close()
    expect((await fetch(`${config.influx_url}/ping`)).status).toBe(204)
    for (const f of ['postgres/postgres.pid', 'influxdb/influxd.pid', 'mosquitto/mosquitto.pid']) {
      pgids.push((JSON.parse(readFileSync(join(scratch.dir, f), 'utf8')) as { pid: number }).pid)
    }
  } finally {
    proc.kill('SIGINT')
  }
  expect(await proc.exited).toBe(0)
  expect(existsSync(join(scratch.dir, 'services.json'))).toBe(false)
  expect(pgids).toHaveLength(3)
  expect(await waitNoLeftovers(pgids, scratch.dir)).toEqual([])
})

test('without a data directory it prints its usage and exits 2', async () => {
  const proc = Bun.spawn([process.execPath, CLI], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  expect(await proc.exited).toBe(2)
  expect(await new Response(proc.stderr).text()).toContain('usage: bun tools/services/cli.ts <dataDir>')
})
