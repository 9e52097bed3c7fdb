// The fleet broker's settings, written for Mosquitto 2 by the dev services (tools/services/
// mosquitto.ts) and by the hub installer (`bun hub/mqtt/mosquitto-conf.ts ...`), so a dev box, the
// tests and a hub host run the same rules: no anonymous clients, a packet ceiling, the password and
// ACL files the hub writes, and what several hub replicas need from the broker (below). Listeners
// are a list: robots reach the broker over TLS (MQTT and MQTT over WebSocket), the hub over a plain
// listener on loopback, and a listener an operator turns on is one more entry.
import { parseArgs } from 'node:util'

/** The largest MQTT packet the fleet broker takes (an e-stop is under 200 bytes, a servo sweep under 2 KB). */
export const MAX_PACKET_BYTES = 256 * 1024

export interface BrokerListener {
  port: number
  /** The address to bind; all addresses when absent. */
  host?: string
  protocol: 'mqtt' | 'websockets'
  tls?: { certFile: string; keyFile: string }
  /** One line on what the listener is for, written above it. */
  purpose: string
}

export interface BrokerConf {
  passwordFile: string
  aclFile: string
  listeners: readonly BrokerListener[]
  /** Settings of the host around it (dev: persistence, logging, `user root`). */
  host?: readonly string[]
}

function checkPath(p: string) {
  // Mosquitto's config format has no quoting: a path is the rest of its line.
  if (/[\r\n]/.test(p)) throw new Error(`mosquitto config: the path ${JSON.stringify(p)} has a line break`)
}

function listenerBlock(l: BrokerListener): string[] {
  const lines = [`# ${l.purpose}`, `listener ${l.port}${l.host ? ` ${l.host}` : ''}`, `protocol ${l.protocol}`]
  if (l.tls) {
    checkPath(l.tls.certFile)
    checkPath(l.tls.keyFile)
    lines.push(`certfile ${l.tls.certFile}`, `keyfile ${l.tls.keyFile}`, 'tls_version tlsv1.2')
  }
  return lines
}

export function mosquittoConf(c: BrokerConf): string {
  checkPath(c.passwordFile)
  checkPath(c.aclFile)
  return [
    '# Written by hub/mqtt/mosquitto-conf.ts; edits are overwritten.',
    ...(c.host ?? []),
    'per_listener_settings false',
    'allow_anonymous false',
    '# A CONNECT (or any packet) declaring more is refused before it is read: no unauthenticated',
    "# client makes the broker buffer megabytes (the hub's largest message is far below this).",
    `max_packet_size ${MAX_PACKET_BYTES}`,
    `password_file ${c.passwordFile}`,
    `acl_file ${c.aclFile}`,
    '',
    '# Hub replicas share the ingest with a shared subscription at QoS 1 and acknowledge a message',
    "# only once it is stored (hub/mqtt/ingest.ts). Upgrading the outgoing QoS gives robots' QoS 0",
    "# messages that acknowledgement too; a replica's session outlives it so a survivor can take",
    '# over what it held; and the in-flight window must cover a storage round trip at fleet rates.',
    'upgrade_outgoing_qos true',
    'max_inflight_messages 1000',
    'max_queued_messages 50000',
    'persistent_client_expiration 2h',
    '',
    ...c.listeners.flatMap((l) => [...listenerBlock(l), '']),
  ].join('\n')
}

const USAGE = `usage: bun hub/mqtt/mosquitto-conf.ts --password-file <path> --acl-file <path> --cert <pem> --key <pem>
    [--mqtt-port 1883] [--mqtts-port 8883] [--wss-port 8884]

Prints the fleet broker's settings for /etc/mosquitto/conf.d: robots on MQTT over TLS and MQTT
over TLS WebSocket on every address, the hub on plain MQTT on loopback.`

if (import.meta.main) {
  const { values: v } = parseArgs({
    options: {
      'password-file': { type: 'string' },
      'acl-file': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'mqtt-port': { type: 'string', default: '1883' },
      'mqtts-port': { type: 'string', default: '8883' },
      'wss-port': { type: 'string', default: '8884' },
    },
    strict: true,
  })
  const port = (name: string, s: string | undefined) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${name}: a port number is required`)
    return n
  }
  if (!v['password-file'] || !v['acl-file'] || !v.cert || !v.key) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(2)
  }
  const tls = { certFile: v.cert, keyFile: v.key }
  process.stdout.write(
    mosquittoConf({
      passwordFile: v['password-file'],
      aclFile: v['acl-file'],
      listeners: [
        { port: port('mqtt-port', v['mqtt-port']), host: '127.0.0.1', protocol: 'mqtt', purpose: "The hub's own connection (loopback only)." },
        { port: port('mqtts-port', v['mqtts-port']), protocol: 'mqtt', tls, purpose: 'Robots and people: MQTT over TLS.' },
        { port: port('wss-port', v['wss-port']), protocol: 'websockets', tls, purpose: 'Browsers and tools: MQTT over TLS WebSocket.' },
      ],
    }),
  )
}
