// A throwaway Mosquitto 2 (Debian's) in a data directory, on free loopback ports, refusing
// anonymous clients; the hub's own account is in its password file, and the hub rewrites the
// password and ACL files for robots and users and makes the broker reload them (SIGHUP).
//
// Layout of `dir`: mosquitto.conf (rewritten on every start: the ports change), passwd and acl
// (kept across restarts), service-account.json (0600), persistence/ (retained messages and
// sessions), mosquitto.log.
//
// Who runs it: whoever we are. As root that needs `user root` in the config, or Mosquitto would
// drop to the `mosquitto` account, which could then not re-read the 0600 password file that the
// hub (running as root) writes; a dev broker on loopback gains nothing from that drop.

import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../../core/log.ts'
import { silentLogger } from '../../core/log.ts'
import { requireMosquitto } from './debian-packages.ts'
import { ServiceProcess, startWithFreePorts } from './service-process.ts'
import { generatePassword, readSecretJson, writeSecretJson } from './secret-file.ts'
import { isRoot } from './system-user.ts'
import {
  type MqttAccount, checkUsername, hashMosquittoPassword, passwordLine, serviceAclBlock,
  verifyMosquittoPassword, writeFileAtomic,
} from './mosquitto-auth.ts'

export interface MosquittoOptions {
  /** The service's own directory (dev-services uses `<dataDir>/mosquitto`). */
  dir: string
  /** Also listen for MQTT over WebSocket (for browsers) on a second port. */
  websockets?: boolean
  /** The hub's account, created on first start (default tonypi-hub). */
  serviceUsername?: string
  /** Try these ports first (free ones are used when they are taken). */
  port?: number
  wsPort?: number
  log?: Logger
}

export interface MqttCredentials {
  username: string
  password: string
}

export interface MosquittoService {
  /** `mqtt://127.0.0.1:port` (credentials are separate: see serviceUser). */
  url: string
  /** `ws://127.0.0.1:port` when started with websockets. */
  wsUrl?: string
  port: number
  wsPort?: number
  /** The broker's process id (it leads its own process group). */
  pid: number
  passwordFile: string
  aclFile: string
  serviceUser: MqttCredentials
  /** Makes the broker re-read the password and ACL files; resolves once it has. */
  reload(): Promise<void>
  /**
   * Replaces the password and ACL files (the service account is always kept, and its ACL block is
   * appended after `acl`), then reloads. `acl` is Mosquitto acl_file text.
   */
  writeAuth(accounts: readonly MqttAccount[], acl: string): Promise<void>
  stop(): Promise<void>
}

const RUNNING = /mosquitto version \S+ running/

/** The largest MQTT packet the fleet broker takes (an e-stop is under 200 bytes, a servo sweep under 2 KB). */
export const MAX_PACKET_BYTES = 256 * 1024
const RELOADED = 'Reloading config.'

export async function startMosquitto(opts: MosquittoOptions): Promise<MosquittoService> {
  const log = (opts.log ?? silentLogger).child('mosquitto')
  const mosquitto = requireMosquitto()
  const started = performance.now()
  const dir = opts.dir
  // Mosquitto's config format has no quoting: a path is the rest of its line.
  if (/[\r\n]/.test(dir)) throw new Error(`mosquitto: the directory ${JSON.stringify(dir)} has a line break`)
  mkdirSync(join(dir, 'persistence'), { recursive: true, mode: 0o700 })
  const passwordFile = join(dir, 'passwd')
  const aclFile = join(dir, 'acl')

  const credFile = join(dir, 'service-account.json')
  const saved = readSecretJson<MqttCredentials>(credFile)
  const serviceUser: MqttCredentials = saved ?? { username: opts.serviceUsername ?? 'tonypi-hub', password: generatePassword() }
  checkUsername(serviceUser.username)
  if (!saved) writeSecretJson(credFile, serviceUser)
  const serviceLine = ensureServiceAccount(passwordFile, aclFile, serviceUser)

  const wanted = opts.websockets ? [opts.port, opts.wsPort] : [opts.port]
  const { proc, port, wsPort } = await startWithFreePorts(wanted, async ([port, wsPort]) => {
    const conf = join(dir, 'mosquitto.conf')
    await Bun.write(conf, config({ dir, port, wsPort, passwordFile, aclFile }))
    const proc = await ServiceProcess.start({ name: 'mosquitto', dir, cmd: [mosquitto, '-c', conf] })
    try {
      // Logged once every listener is open; probing the port instead could be answered by
      // whoever won a port race against us.
      await proc.waitReady('listening', () => RUNNING.test(proc.logSinceStart()))
      return { proc, port, wsPort }
    } catch (err) {
      await proc.stop()
      throw err
    }
  })

  let reloads: Promise<void> = Promise.resolve()
  const reload = (): Promise<void> => {
    // One at a time: each waits for its own "Reloading config." line.
    reloads = reloads.catch(() => {}).then(async () => {
      const before = count(proc.logSinceStart(), RELOADED)
      if (!proc.running) throw new Error('mosquitto is not running')
      process.kill(proc.pid, 'SIGHUP')
      // The broker logs the line and then re-reads the files in the same pass of its single-
      // threaded loop, so any client packet handled after the line sees the new files.
      await proc.waitReady('reloaded', () => count(proc.logSinceStart(), RELOADED) > before, 5_000)
    })
    return reloads
  }

  const writeAuth = async (accounts: readonly MqttAccount[], acl: string): Promise<void> => {
    const seen = new Set([serviceUser.username])
    const lines = [serviceLine]
    for (const a of accounts) {
      if (seen.has(a.username)) {
        throw new Error(a.username === serviceUser.username
          ? `MQTT account ${a.username} is the hub's own service account`
          : `MQTT account ${a.username} listed twice`)
      }
      seen.add(a.username)
      lines.push(passwordLine(a))
    }
    writeFileAtomic(passwordFile, lines.join('\n') + '\n')
    writeFileAtomic(aclFile, acl.trimEnd() + '\n' + serviceAclBlock(serviceUser.username))
    await reload()
  }

  log.info('ready', { port, wsPort, ms: Math.round(performance.now() - started) })
  return {
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: wsPort ? `ws://127.0.0.1:${wsPort}` : undefined,
    port, wsPort, pid: proc.pid, passwordFile, aclFile, serviceUser, reload, writeAuth,
    stop: () => proc.stop(),
  }
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1
}

/**
 * Creates the files on the first start, and keeps the service account working in them on every
 * start (the hub may have rewritten them; a lost service-account.json means a new password).
 * Returns the service account's password line.
 */
function ensureServiceAccount(passwordFile: string, aclFile: string, svc: MqttCredentials): string {
  const lines = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').split('\n').filter((l) => l.trim()) : []
  const prefix = `${svc.username}:`
  const current = lines.find((l) => l.startsWith(prefix))
  let serviceLine = current
  if (!current || !verifyMosquittoPassword(svc.password, current.slice(prefix.length))) {
    serviceLine = `${prefix}${hashMosquittoPassword(svc.password)}`
    writeFileAtomic(passwordFile, [serviceLine, ...lines.filter((l) => !l.startsWith(prefix))].join('\n') + '\n')
  }
  const acl = existsSync(aclFile) ? readFileSync(aclFile, 'utf8') : null
  if (acl === null) {
    writeFileAtomic(aclFile, '# Mosquitto ACL, rewritten by the hub from its robots and users.\n' + serviceAclBlock(svc.username))
  } else if (!acl.split('\n').some((l) => l.trim() === `user ${svc.username}`)) {
    writeFileAtomic(aclFile, acl.trimEnd() + '\n' + serviceAclBlock(svc.username))
  }
  return serviceLine as string
}

function config(o: { dir: string; port: number; wsPort?: number; passwordFile: string; aclFile: string }): string {
  const ws = o.wsPort ? `\nlistener ${o.wsPort} 127.0.0.1\nprotocol websockets\n` : ''
  return `# Generated by hub/services/mosquitto.ts on every start (the ports change).
${isRoot() ? '# Stay root rather than drop to the mosquitto account (see mosquitto.ts).\nuser root\n' : ''}per_listener_settings false
allow_anonymous false
# A CONNECT (or any packet) declaring more is refused before it is read: no unauthenticated
# client makes the broker buffer megabytes (the hub's largest message is far below this).
max_packet_size ${MAX_PACKET_BYTES}
password_file ${o.passwordFile}
acl_file ${o.aclFile}

persistence true
persistence_location ${join(o.dir, 'persistence')}/
autosave_interval 30

log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S

set_tcp_nodelay true

listener ${o.port} 127.0.0.1
protocol mqtt
${ws}`
}
