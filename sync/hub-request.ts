// One request from a robot to its hub's sync API: the robot's own credential (HTTP Basic, as
// the hub issued it), gzip bodies, a time limit, the hub's CA pinned when one is given, and an
// error that carries the hub's reason.
import { tlsRefusal } from './tls-error.ts'

export interface HubEndpoint {
  /** The hub's base URL, e.g. https://hub.example:8000 */
  url: string
  /** The robot's credential: `robot-<id>` and the token the hub showed once. */
  username: string
  token: string
  /** PEM of the CA the hub's certificate must chain to. */
  ca?: string
}

export class HubRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly permanent = false,
    readonly body: unknown = null,
  ) {
    super(message)
    this.name = 'HubRequestError'
  }
}

export function basicAuth(username: string, token: string): string {
  return `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`
}

/** A JSON body as sent: gzip-compressed (a sync batch) or as it is (a small request). */
export function jsonBody(json: string, gzip: boolean): { bytes: Uint8Array; gzip: boolean } {
  return { bytes: gzip ? Bun.gzipSync(Buffer.from(json), { level: 1 }) : Buffer.from(json), gzip }
}

export async function hubFetch<T>(
  ep: HubEndpoint,
  path: string,
  opts: { method: 'GET' | 'POST'; body?: { bytes: Uint8Array; gzip: boolean }; timeoutMs?: number },
): Promise<T> {
  const url = `${ep.url.replace(/\/+$/, '')}/api/v1/${path}`
  const headers: Record<string, string> = { authorization: basicAuth(ep.username, ep.token), accept: 'application/json' }
  const body = opts.body?.bytes
  if (opts.body) {
    headers['content-type'] = 'application/json'
    if (opts.body.gzip) headers['content-encoding'] = 'gzip'
  }
  let res: Response
  try {
    res = await fetch(url, {
      method: opts.method,
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      ...(ep.ca ? { tls: { ca: ep.ca } } : {}),
    } as RequestInit)
  } catch (err) {
    const refused = tlsRefusal(err as Error, `the hub at ${ep.url}`, Boolean(ep.ca))
    throw new HubRequestError(0, refused ?? `cannot reach the hub at ${ep.url}: ${(err as Error).message}`)
  }
  const text = await res.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    /* not JSON: the status says enough */
  }
  if (!res.ok) {
    const reason = (parsed as { message?: unknown } | null)?.message
    const msg = `the hub answered ${res.status}${typeof reason === 'string' ? `: ${reason}` : ''}`
    throw new HubRequestError(res.status, msg, res.status === 400 || res.status === 401 || res.status === 403, parsed)
  }
  return parsed as T
}
