// A throwaway Mosquitto 2 (Debian's) in a data directory, on free loopback ports, refusing
// anonymous clients; the hub's own account is in its password file, and the hub rewrites the
// password and ACL files for robots and users and makes the broker reload them (SIGHUP).
//
// Listeners: plain MQTT on loopback (the hub's own connection), and with `tls` MQTT over TLS and
// MQTT over TLS WebSocket, as robots and browsers reach a hub host (hub/mqtt/mosquitto-conf.ts).
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
import { MAX_PACKET_BYTES, mosquittoConf, type BrokerListener } from '../../hub/mqtt/mosquitto-conf.ts'
import type { HubTlsFiles } from './tls.ts'
import { type MqttAccount, checkUsername, passwordLine, serviceAclBlock } from './mosquitto-auth.ts'
import { mosquittoHash, verifyMosquittoPassword } from '../../hub/mqtt/mosquitto-hash.ts'
import { writeFileAtomic } from '../../server/atomic-file.ts'

export interface MosquittoOptions {
  /** The service's own directory (dev-services uses `<dataDir>/mosquitto`). */
  dir: string
  /** Also listen for MQTT over WebSocket (for browsers) on another port. */
  websockets?: boolean
  /** With the hub's certificate: MQTT over TLS on another port, and the WebSocket over TLS. */
  tls?: HubTlsFiles
  /** The hub's account, created on first start (default tonypi-hub). */
  serviceUsername?: string
  /** Try these ports first (free ones are used when they are taken). */
  port?: number
  tlsPort?: number
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
  /** `mqtts://127.0.0.1:port` when started with tls. */
  tlsUrl?: string
  /** `ws://127.0.0.1:port` (`wss://` with tls) when started with websockets. */
  wsUrl?: string
  port: number
  tlsPort?: number
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
export { MAX_PACKET_BYTES }
const RELOADED = 'Reloading config.'

export async function startMosquitto(opts: MosquittoOptions): Promise<MosquittoService> {
  const log = (opts.log ?? silentLogger).child('mosquitto')
  const mosquitto = requireMosquitto()
  const started = performance.now()
  const dir = opts.dir
  mkdirSync(join(dir, 'persistence'), { recursive: true, mode: 0o700 })
  const passwordFile = join(dir, 'passwd')
  const aclFile = join(dir, 'acl')

  const credFile = join(dir, 'service-account.json')
  const saved = readSecretJson<MqttCredentials>(credFile)
  const serviceUser: MqttCredentials = saved ?? { username: opts.serviceUsername ?? 'tonypi-hub', password: generatePassword() }
  checkUsername(serviceUser.username)
  if (!saved) writeSecretJson(credFile, serviceUser)
  const serviceLine = ensureServiceAccount(passwordFile, aclFile, serviceUser)

  const wanted = [opts.port, opts.tls ? opts.tlsPort : undefined, opts.websockets ? opts.wsPort : undefined]
  const { proc, port, tlsPort, wsPort } = await startWithFreePorts(wanted, async ([port, tlsPort, wsPort]) => {
    const conf = join(dir, 'mosquitto.conf')
    const tls = opts.tls ? { certFile: opts.tls.certFile, keyFile: opts.tls.keyFile } : undefined
    const listeners: BrokerListener[] = [{ port, host: '127.0.0.1', protocol: 'mqtt', purpose: "The hub's own connection, and the tests'." }]
    if (tls) listeners.push({ port: tlsPort, host: '127.0.0.1', protocol: 'mqtt', tls, purpose: 'Robots: MQTT over TLS.' })
    if (opts.websockets) listeners.push({ port: wsPort, host: '127.0.0.1', protocol: 'websockets', tls, purpose: 'Browsers: MQTT over WebSocket.' })
    await Bun.write(conf, mosquittoConf({ passwordFile, aclFile, listeners, host: hostSettings(dir) }))
    const proc = await ServiceProcess.start({ name: 'mosquitto', dir, cmd: [mosquitto, '-c', conf] })
    try {
      // Logged once every listener is open; probing the port instead could be answered by
      // whoever won a port race against us.
      await proc.waitReady('listening', () => RUNNING.test(proc.logSinceStart()))
      return { proc, port, tlsPort: tls ? tlsPort : undefined, wsPort: opts.websockets ? wsPort : undefined }
    } catch (err) {
      await proc.stop()
      throw err
    }
  })

  let reloads: Promise<void> = Promise.resolve()
  const reload = (): Promise<void> => {
    // One at a time: each waits for its own "Reloading config." line.
    reloads = reloads
      .catch(() => {})
      .then(async () => {
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
        throw new Error(
          a.username === serviceUser.username ? `MQTT account ${a.username} is the hub's own service account` : `MQTT account ${a.username} listed twice`,
        )
      }
      seen.add(a.username)
      lines.push(passwordLine(a))
    }
    writeFileAtomic(passwordFile, lines.join('\n') + '\n')
    writeFileAtomic(aclFile, acl.trimEnd() + '\n' + serviceAclBlock(serviceUser.username))
    await reload()
  }

  log.info('ready', { port, tlsPort, wsPort, ms: Math.round(performance.now() - started) })
  return {
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: tlsPort ? `mqtts://127.0.0.1:${tlsPort}` : undefined,
    wsUrl: wsPort ? `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${wsPort}` : undefined,
    port,
    tlsPort,
    wsPort,
    pid: proc.pid,
    passwordFile,
    aclFile,
    serviceUser,
    reload,
    writeAuth,
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
  const lines = existsSync(passwordFile)
    ? readFileSync(passwordFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
    : []
  const prefix = `${svc.username}:`
  const current = lines.find((l) => l.startsWith(prefix))
  let serviceLine = current
  if (!current || !verifyMosquittoPassword(svc.password, current.slice(prefix.length))) {
    serviceLine = `${prefix}${mosquittoHash(svc.password)}`
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

/** What a throwaway broker in `dir` adds around the fleet's settings. */
function hostSettings(dir: string): string[] {
  return [
    ...(isRoot() ? ['# Stay root rather than drop to the mosquitto account (see the top of tools/services/mosquitto.ts).', 'user root'] : []),
    'persistence true',
    `persistence_location ${join(dir, 'persistence')}/`,
    'autosave_interval 30',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    'set_tcp_nodelay true',
    '',
  ]
}
