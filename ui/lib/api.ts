// The one way the dashboard calls the robot's REST API: JSON in and out, the bearer token
// attached, and errors turned into ApiError with the server's own message.
export const API_BASE = '/api/v1'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** The request never got an answer (robot off, Wi-Fi gone). */
  get offline(): boolean {
    return this.status === 0
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  json?: unknown
  signal?: AbortSignal
  /** Set by the session; an expired token logs the user out instead of failing quietly. */
  token?: string | null
  onUnauthorized?: () => void
}

export async function apiRequest<T>(path: string, opts: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.json !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(API_BASE + path, {
      method: opts.method ?? 'GET',
      headers,
      signal: opts.signal,
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'offline', 'the robot did not answer (network error)')
  }
  const text = await res.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = text
  }
  if (res.ok) return body as T
  if (res.status === 401 && opts.token) opts.onUnauthorized?.()
  const b = (body ?? {}) as { error?: string; message?: string; reason?: string }
  const message = b.reason ?? b.message ?? `${res.status} ${res.statusText}`
  const err = new ApiError(res.status, b.error ?? String(res.status), message, body)
  if (res.status === 429) {
    const after = Number(res.headers.get('retry-after'))
    if (after > 0) err.message = `${message} (retry in ${after} s)`
  }
  throw err
}
