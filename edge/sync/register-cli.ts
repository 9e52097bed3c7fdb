// `npm run edge:register -- --hub <url>`: registers this robot with its hub using an admin's
// login and writes the robot's credential to <data dir>/hub.json (0600). The edge reads it at
// start; nothing else needs setting. The admin's password comes from TONYPI_HUB_ADMIN_PASSWORD
// or is asked for (not echoed); it is never stored.
//
// A hub whose certificate is signed by its own CA (hub:dev, the hub installer) hands the CA out;
// the robot pins it only once a person has vouched for it: its fingerprint matches the one the hub
// printed (--ca-fingerprint, or a yes at the prompt), or the CA file was brought by hand (--ca).
// The CA is saved beside the credential (<data dir>/hub-ca.pem) and every later connection to the
// hub, HTTPS and MQTT, trusts it and nothing else.
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadEdgeConfig } from '../../core/config.ts'
import { isValidRobotId } from '../../core/topics.ts'
import { HUB_LINK_FILE, writeHubLink } from './hub-link.ts'
import { certificateFingerprint, sameFingerprint } from '../../sync/ca-fingerprint.ts'
import { tlsRefusal } from '../../sync/tls-error.ts'

const USAGE = `usage: npm run edge:register -- --hub <url> [--user admin] [--robot-id <id>] [--ca <pem file> | --ca-fingerprint <sha256:...>] [--rotate]

  --hub             the hub's URL, e.g. https://hub.local:8000
  --user            a hub admin (default admin); the password is read from TONYPI_HUB_ADMIN_PASSWORD or asked for
  --robot-id        this robot's id at the hub (default: TONYPI_ROBOT_ID, else the hostname)
  --ca              the hub's CA certificate (PEM), brought by hand
  --ca-fingerprint  the fingerprint the hub printed: its CA is fetched from the hub and pinned if it matches
                    (without either, a hub with its own CA shows the fingerprint and asks)
  --rotate          the robot is registered already: issue it a new credential (the old one stops working)`

const CA_FILE = 'hub-ca.pem'

function fail(message: string, code = 2): never {
  process.stderr.write(`edge:register: ${message}\n`)
  process.exit(code)
}

async function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const line = (await new Response(Bun.stdin.stream()).text()).split('\n')[0]
    if (!line) fail('no password: set TONYPI_HUB_ADMIN_PASSWORD or type it at the prompt')
    return line
  }
  process.stderr.write(prompt)
  process.stdin.setRawMode(true)
  let pw = ''
  for await (const chunk of process.stdin) {
    for (const c of String(chunk)) {
      if (c === '\r' || c === '\n') {
        process.stdin.setRawMode(false)
        process.stderr.write('\n')
        return pw
      }
      if (c === '\u0003') {
        process.stdin.setRawMode(false)
        fail('cancelled', 130)
      }
      if (c === '\u007f') pw = pw.slice(0, -1)
      else pw += c
    }
  }
  return pw
}

async function askYes(prompt: string): Promise<boolean> {
  process.stderr.write(prompt)
  for await (const line of console) return /^y(es)?$/i.test(line.trim())
  return false
}

class Untrusted extends Error {}

async function hubCall(base: string, path: string, init: { method: string; token?: string; json?: unknown }, ca?: string) {
  let r: Response
  try {
    r = await fetch(`${base}/api/v1/${path}`, {
      method: init.method,
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      signal: AbortSignal.timeout(15_000),
      ...(ca ? { tls: { ca } } : {}),
    } as RequestInit)
  } catch (err) {
    const refused = tlsRefusal(err as Error, `the hub at ${base}`, Boolean(ca))
    if (refused && !ca) throw new Untrusted(refused)
    fail(refused ?? `cannot reach the hub at ${base}: ${(err as Error).message}`)
  }
  const body = (await r.json().catch(() => null)) as Record<string, unknown> | null
  return { status: r.status, body, message: typeof body?.message === 'string' ? body.message : `HTTP ${r.status}` }
}

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    hub: { type: 'string' },
    user: { type: 'string', default: 'admin' },
    'robot-id': { type: 'string' },
    ca: { type: 'string' },
    'ca-fingerprint': { type: 'string' },
    rotate: { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
  strict: true,
}) as { values: { hub?: string; user: string; 'robot-id'?: string; ca?: string; 'ca-fingerprint'?: string; rotate: boolean; help?: boolean } }
if (values.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
if (!values.hub || !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(values.hub)) fail(`--hub: an http(s) URL is required\n${USAGE}`)
const base = values.hub.replace(/\/+$/, '')

let cfg
try {
  cfg = loadEdgeConfig({
    defaults: { robotId: hostname().replace(/[^A-Za-z0-9_.-]/g, '-') },
    env: { ...process.env, TONYPI_HUB_URL: undefined, TONYPI_HUB_TOKEN: undefined },
  })
} catch (err) {
  if (err instanceof ConfigError) fail(err.message)
  throw err
}
const robotId = values['robot-id'] ?? cfg.robotId!
if (!isValidRobotId(robotId)) fail(`robot id ${JSON.stringify(robotId)} is reserved or invalid (letters, digits, _ . -)`)
if (values.ca && values['ca-fingerprint'])
  fail('--ca and --ca-fingerprint: give one (the file you brought, or the fingerprint to check what the hub hands out)')
let ca: string | undefined
if (values.ca) {
  try {
    ca = readFileSync(values.ca, 'utf8')
    new X509Certificate(ca) // a certificate, not just any file
  } catch (err) {
    fail(`--ca: ${values.ca} is not a readable PEM certificate: ${(err as Error).message}`)
  }
}

/** The hub's own CA, fetched without trusting the connection, and pinned only if a person vouches for its fingerprint. */
async function caFromHub(why: string): Promise<string> {
  let got: { ca?: unknown } | null = null
  try {
    const r = await fetch(`${base}/api/v1/tls/ca`, { signal: AbortSignal.timeout(15_000), tls: { rejectUnauthorized: false } } as RequestInit)
    if (r.status === 200) got = (await r.json()) as { ca?: unknown }
  } catch {
    /* said below */
  }
  if (typeof got?.ca !== 'string') fail(`${why}; and the hub hands out no CA of its own: bring its CA with --ca <file>`)
  const pem = got.ca as string
  const fingerprint = certificateFingerprint(pem)
  const wanted = values['ca-fingerprint']
  if (wanted) {
    if (!sameFingerprint(wanted, fingerprint))
      fail(`the hub's CA has the fingerprint ${fingerprint}, not ${wanted}: not trusted (is this the hub you meant, and the fingerprint it printed?)`)
    return pem
  }
  const check = `the hub's certificate is signed by its own CA, fingerprint\n  ${fingerprint}\ncompare it with the one the hub printed at start (or on the hub: openssl x509 -noout -fingerprint -sha256 -in <its ca.pem>)`
  if (!process.stdin.isTTY) fail(`${check}; then run again with --ca-fingerprint ${fingerprint}`)
  if (!(await askYes(`${check}\nTrust it? [y/N] `))) fail('not trusted: nothing written', 1)
  return pem
}

if (!ca && base.startsWith('https:')) {
  try {
    await hubCall(base, 'health', { method: 'GET' })
  } catch (err) {
    if (!(err instanceof Untrusted)) throw err
    ca = await caFromHub(err.message)
  }
}

const password = process.env.TONYPI_HUB_ADMIN_PASSWORD || (await askPassword(`${values.user}@${base} password: `))
const login = await hubCall(base, 'auth/login', { method: 'POST', json: { username: values.user, password } }, ca)
if (login.status !== 200) fail(`the hub refused the login of ${values.user}: ${login.message}`)
const token = String(login.body!.access_token)

let credential: { token: string } | undefined
const created = await hubCall(base, 'robots', { method: 'POST', token, json: { robot_id: robotId } }, ca)
if (created.status === 201) credential = created.body!.credential as { token: string }
else if (created.status === 409 && values.rotate) {
  const rotated = await hubCall(base, `robots/${encodeURIComponent(robotId)}/credential/rotate`, { method: 'POST', token }, ca)
  if (rotated.status !== 200) fail(`rotating ${robotId}'s credential: ${rotated.message}`)
  credential = rotated.body!.credential as { token: string }
} else if (created.status === 409) {
  fail(`robot ${robotId} is registered with the hub already: --rotate issues it a new credential (the old one stops working at once)`)
} else fail(`registering ${robotId}: ${created.message}`)

const dataDir = resolve(cfg.dataDir)
// The pinned CA is kept beside the credential, so the robot does not depend on where it was brought from.
const caFile = ca ? resolve(dataDir, CA_FILE) : undefined
if (ca && caFile) writeFileSync(caFile, ca, { mode: 0o644 })
writeHubLink(dataDir, { url: base, robot_id: robotId, token: credential!.token, ...(caFile ? { ca_file: caFile } : {}) })
process.stdout.write(
  [
    `Robot ${robotId} is registered with ${base}; its credential is in ${resolve(dataDir, HUB_LINK_FILE)} (mode 0600).`,
    ...(ca ? [`It trusts the hub's CA only (${certificateFingerprint(ca)}), saved in ${caFile}.`] : []),
    `Restart the edge to start syncing (sudo systemctl restart tonypi-edge, or npm run edge)${cfg.robotId !== robotId ? ` with TONYPI_ROBOT_ID=${robotId}` : ''}.`,
    '',
  ].join('\n'),
)
