// The hub's own CA and server certificate, as hub:dev and the hub installer make them.
import { afterAll, expect, test } from 'bun:test'
import { X509Certificate } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { sameFingerprint } from '../../sync/ca-fingerprint.ts'
import { ensureHubTls } from './tls.ts'
import { scratchDir } from './test-helpers.ts'

const scratch = scratchDir('tls')
afterAll(() => scratch.remove())
const dir = join(scratch.dir, 'tls')

test('a CA and a server certificate it signed, for the names asked, keys readable by their owner only', () => {
  const t = ensureHubTls(dir, ['localhost', '127.0.0.1', '::1', 'hub.example'])
  expect(t.issued).toBe(true)
  const ca = new X509Certificate(readFileSync(t.caFile))
  const cert = new X509Certificate(readFileSync(t.certFile))
  expect(ca.ca).toBe(true)
  expect(cert.ca).toBe(false)
  expect(cert.checkIssued(ca)).toBe(true)
  expect(cert.verify(ca.publicKey)).toBe(true)
  expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:hub.example')
  expect(cert.checkHost('hub.example')).toBe('hub.example')
  for (const k of [t.keyFile, join(dir, 'ca.key')]) expect(statSync(k).mode & 0o777).toBe(0o600)
  expect(statSync(dir).mode & 0o777).toBe(0o700)
  // The fingerprint is openssl's, as a person would check it on the hub.
  const openssl = Bun.spawnSync(['openssl', 'x509', '-noout', '-fingerprint', '-sha256', '-in', t.caFile]).stdout.toString()
  expect(sameFingerprint(openssl.split('=')[1], t.caFingerprint)).toBe(true)
})

test('kept on the next start; a new name issues a new server certificate from the same CA', () => {
  const before = readFileSync(join(dir, 'server.pem'), 'utf8')
  const same = ensureHubTls(dir, ['localhost', '127.0.0.1', '::1', 'hub.example'])
  expect(same.issued).toBe(false)
  expect(readFileSync(same.certFile, 'utf8')).toBe(before)
  const wider = ensureHubTls(dir, ['localhost', '127.0.0.1', '::1', 'hub.example', '10.1.2.3'])
  expect(wider.issued).toBe(true)
  expect(wider.caFingerprint).toBe(same.caFingerprint)
  expect(new X509Certificate(readFileSync(wider.certFile)).checkIP('10.1.2.3')).toBe('10.1.2.3')
})

test('a certificate near its end is issued again', () => {
  const t = ensureHubTls(dir, ['localhost'], Date.now() + 820 * 86_400_000)
  expect(t.issued).toBe(true)
})

test('a host name that is neither a DNS name nor an address is refused before anything is made', () => {
  expect(() => ensureHubTls(join(scratch.dir, 'bad'), ['hub example'])).toThrow(/is not a DNS name or an IP address/)
})
