// For this folder's tests: scratch data directories, and finding processes that should be gone.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'

export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tonypi-${prefix}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface ProcessInfo {
  pid: number
  pgid: number
  state: string
  cmdline: string
}

export function processes(): ProcessInfo[] {
  const out: ProcessInfo[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
      out.push({ pid, pgid: Number(f[2]), state: f[0], cmdline })
    } catch {
      // gone between readdir and read
    }
  }
  return out
}

/**
 * Live processes in the given process groups (each service leads its own) or mentioning `dir` on
 * their command line. Zombies count as gone: they hold no port, file or memory.
 */
export function leftovers(pgids: readonly number[], dir: string): ProcessInfo[] {
  return processes().filter((p) => p.state !== 'Z' && p.pid !== process.pid && (pgids.includes(p.pgid) || p.cmdline.includes(dir)))
}

export async function waitNoLeftovers(pgids: readonly number[], dir: string, ms = 5000): Promise<ProcessInfo[]> {
  const until = Date.now() + ms
  for (;;) {
    const left = leftovers(pgids, dir)
    if (left.length === 0 || Date.now() > until) return left
    await Bun.sleep(50)
  }
}

/** Resolves with the connected client, or rejects with the broker's refusal. */
export function mqttConnect(url: string, opts: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
    c.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
}

/** The next message on `topic` (subscribed first, so nothing published after the call is missed). */
export async function nextMessage(client: mqtt.MqttClient, topic: string, ms = 5000): Promise<{ payload: string; retain: boolean }> {
  const got = new Promise<{ payload: string; retain: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${ms} ms`)), ms)
    client.on('message', (t, payload, packet) => {
      if (t !== topic) return
      clearTimeout(timer)
      resolve({ payload: payload.toString(), retain: packet.retain })
    })
  })
  await client.subscribeAsync(topic, { qos: 1 })
  return got
}
