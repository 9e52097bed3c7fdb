// The hub's own small certificate authority and the server certificate it signs, made with
// Debian's openssl: the broker's TLS listeners and the hub's HTTPS use the server certificate,
// robots pin the CA (it signs nothing else, so trusting it trusts this hub only). Made once per
// directory and kept; the server certificate is issued again when it nears its end or does not
// name a host it must serve.
//
// Layout of `dir` (the directory is 0700; keys are 0600, certificates 0644):
//   ca.key, ca.pem           the CA (ten years). The key is needed only to issue a new server
//                            certificate: keep a copy offline, and nothing else of it leaves here.
//   server.key, server.pem   the server's key and certificate (about two years, the names in
//                            `hosts` as subject alternative names)
//
// An operator with certificates of their own (a company CA, an ACME client) names them instead
// (TONYPI_HUB_TLS_CERT, _KEY and _CA: see the README); this module is then not used.
import { X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { certificateFingerprint } from '../../sync/ca-fingerprint.ts'

export interface HubTlsFiles {
  caFile: string
  certFile: string
  keyFile: string
  /** `sha256:` and the hex of the CA certificate's DER: what a person compares before trusting it. */
  caFingerprint: string
}

export class TlsSetupError extends Error {}

const CA_DAYS = 3650
const SERVER_DAYS = 825
/** A server certificate this close to its end is issued again at the next start. */
const RENEW_BEFORE_MS = 30 * 86_400_000

/** The names a dev or single-host hub is reached by: loopback, and this machine's name. */
export function defaultTlsHosts(): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', hostname()].filter(Boolean))]
}

function openssl(args: string[], cwd: string): void {
  const r = Bun.spawnSync(['openssl', ...args], { cwd, stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) {
    const why = r.stderr.toString().trim().split('\n').slice(-3).join(' | ')
    throw new TlsSetupError(`openssl ${args[0]} failed (exit ${r.exitCode}): ${why || 'no message'}`)
  }
}

function names(cert: X509Certificate): Set<string> {
  const out = new Set<string>()
  for (const part of (cert.subjectAltName ?? '').split(',')) {
    const m = /^\s*(DNS|IP Address):(.+)$/.exec(part)
    if (m) out.add(m[2].trim().toLowerCase())
  }
  return out
}

/** Whether the server certificate is signed by the CA, current, and names every host. */
function serverCertFits(dir: string, hosts: readonly string[], now: number): boolean {
  try {
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')))
    const cert = new X509Certificate(readFileSync(join(dir, 'server.pem')))
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false
    if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false
    const have = names(cert)
    return hosts.every((h) => have.has(normalizeHost(h)))
  } catch {
    return false
  }
}

/** IPv6 as X509Certificate prints it (eight groups, no leading zeros), everything else lower case. */
function normalizeHost(h: string): string {
  if (isIP(h) !== 6) return h.toLowerCase()
  const [head, tail = ''] = h.toLowerCase().split('::')
  const a = head ? head.split(':') : []
  const b = h.includes('::') && tail ? tail.split(':') : []
  const groups = h.includes('::') ? [...a, ...Array(8 - a.length - b.length).fill('0'), ...b] : a
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':')
}

function checkHost(h: string): void {
  if (!isIP(h) && !/^[A-Za-z0-9*]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(h))
    throw new TlsSetupError(`TLS host name ${JSON.stringify(h)} is not a DNS name or an IP address`)
}

/**
 * The hub's CA and server certificate in `dir`: made on the first call, kept after, the server
 * certificate issued again when it does not fit (`hosts` changed, near its end, CA replaced).
 */
export function ensureHubTls(dir: string, hosts: readonly string[] = defaultTlsHosts(), now = Date.now()): HubTlsFiles & { issued: boolean } {
  for (const h of hosts) checkHost(h)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const caFile = join(dir, 'ca.pem')
  const caKey = join(dir, 'ca.key')
  const certFile = join(dir, 'server.pem')
  const keyFile = join(dir, 'server.key')
  let issued = false
  if (!existsSync(caFile) || !existsSync(caKey)) {
    // A new CA: any server certificate left from an old one would not chain to it.
    rmSync(certFile, { force: true })
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        String(CA_DAYS),
        '-subj',
        `/O=TonyPi Monitor/CN=TonyPi hub CA ${hostname().slice(0, 40)}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    )
    issued = true
  }
  if (issued || !existsSync(keyFile) || !serverCertFits(dir, hosts, now)) {
    const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')
    writeFileSync(
      join(dir, 'server.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${san}`,
        '',
      ].join('\n'),
    )
    try {
      openssl(
        [
          'req',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          'server.key',
          '-out',
          'server.csr',
          '-subj',
          `/O=TonyPi Monitor/CN=${hosts.find((h) => !isIP(h) && h !== 'localhost') ?? hosts[0]}`,
        ],
        dir,
      )
      openssl(
        [
          'x509',
          '-req',
          '-in',
          'server.csr',
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          'server.pem',
          '-days',
          String(SERVER_DAYS),
          '-sha256',
          '-extfile',
          'server.ext',
        ],
        dir,
      )
    } finally {
      rmSync(join(dir, 'server.csr'), { force: true })
      rmSync(join(dir, 'server.ext'), { force: true })
    }
    issued = true
  }
  for (const k of [caKey, keyFile]) chmodSync(k, 0o600)
  for (const c of [caFile, certFile]) chmodSync(c, 0o644)
  return { caFile, certFile, keyFile, caFingerprint: certificateFingerprint(readFileSync(caFile, 'utf8')), issued }
}

const USAGE = `usage: bun tools/services/tls.ts <dir> [host ...]

Makes (or keeps) the hub's CA and server certificate in <dir> for the hosts named (default:
localhost, 127.0.0.1, ::1 and this machine's name) and prints the CA's fingerprint.`

if (import.meta.main) {
  const [dir, ...hosts] = process.argv.slice(2)
  if (!dir || dir.startsWith('-')) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(2)
  }
  try {
    const r = ensureHubTls(dir, hosts.length ? [...new Set([...defaultTlsHosts(), ...hosts])] : defaultTlsHosts())
    process.stdout.write(`${r.caFingerprint}\n`)
  } catch (err) {
    process.stderr.write(`tls: ${(err as Error).message}\n`)
    process.exit(1)
  }
}
