// The fleet broker's settings as the hub installer writes them (the dev services run the same
// function: tools/services/dev-services.test.ts starts a broker on them).
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { mosquittoConf } from './mosquitto-conf.ts'

const CLI = join(import.meta.dir, 'mosquitto-conf.ts')

test('robots over TLS on every address, the hub in plain on loopback, and what replicas need', () => {
  const r = Bun.spawnSync([
    process.execPath,
    CLI,
    '--password-file',
    '/etc/m/passwd',
    '--acl-file',
    '/etc/m/acl',
    '--cert',
    '/etc/t/server.pem',
    '--key',
    '/etc/t/server.key',
  ])
  expect(r.exitCode).toBe(0)
  const conf = r.stdout.toString()
  const blocks = conf.split('\n\n').filter((b) => b.includes('listener '))
  expect(
    blocks.map((b) =>
      b
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .join('; '),
    ),
  ).toEqual([
    'listener 1883 127.0.0.1; protocol mqtt',
    'listener 8883; protocol mqtt; certfile /etc/t/server.pem; keyfile /etc/t/server.key; tls_version tlsv1.2',
    'listener 8884; protocol websockets; certfile /etc/t/server.pem; keyfile /etc/t/server.key; tls_version tlsv1.2',
  ])
  for (const line of ['allow_anonymous false', 'password_file /etc/m/passwd', 'acl_file /etc/m/acl', 'upgrade_outgoing_qos true', 'max_packet_size 262144'])
    expect(conf).toContain(`${line}\n`)
})

test('a missing file is its usage and exit 2; a path with a line break is refused', () => {
  const r = Bun.spawnSync([process.execPath, CLI, '--password-file', '/x'])
  expect(r.exitCode).toBe(2)
  expect(r.stderr.toString()).toContain('usage: bun hub/mqtt/mosquitto-conf.ts')
  expect(() => mosquittoConf({ passwordFile: '/x\nallow_anonymous true', aclFile: '/y', listeners: [] })).toThrow(/line break/)
})
