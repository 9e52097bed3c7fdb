// How the hub proves itself to InfluxDB on the v1 HTTP API, which both 1.x and 2.x serve:
// a 2.x token goes in `Authorization: Token <t>`; a 1.x user and password go in the `u` and `p`
// query parameters (the form every 1.x version accepts, including with auth-enabled).

export interface InfluxAuth {
  user?: string
  password?: string
  token?: string
}

/** Adds the credentials to a request's URL and headers (a token wins over a user). */
export function authorize(url: URL, headers: Record<string, string>, auth: InfluxAuth): void {
  if (auth.token) headers.authorization = `Token ${auth.token}`
  else if (auth.user !== undefined) {
    url.searchParams.set('u', auth.user)
    url.searchParams.set('p', auth.password ?? '')
  }
}

/** The endpoint `path` under `base`, keeping any path prefix a reverse proxy puts InfluxDB under. */
export function endpoint(base: string, path: string): URL {
  const u = new URL(base)
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${path}`
  return u
}

/** InfluxDB's own words from an error answer (`{"error": "..."}`), or the body as text. */
export function influxErrorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown }
    if (typeof j.error === 'string') return j.error
    if (typeof j.message === 'string') return j.message
  } catch {
    // not JSON: fall through to the text
  }
  return body.trim().slice(0, 500)
}
