// Response compression for the edge's and the hub's one HTTP port: which coding a client
// accepts (brotli first, then gzip; `q=0` refuses one), and API answers compressed on the way
// out, off the main thread. JSON of sensor history shrinks about tenfold, which is most of
// what a phone on a robot's Wi-Fi waits for. The dashboard's own files are compressed once, when
// they are built (bundle.ts), and only chosen here.
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

export type Coding = 'br' | 'gzip'

/** Below this, the coding's own overhead and a CPU's time are worth more than the bytes saved. */
const MIN_BYTES = 1024
/** Quality 5: near gzip -9's size at a fraction of brotli 11's time, for answers made per request. */
const BROTLI_DYNAMIC_QUALITY = 5
const GZIP_DYNAMIC_LEVEL = 6
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|x-ndjson)|image\/svg\+xml)/i

const brotliAsync = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** The q-value a client gives `coding` (1 when it names it plainly, or through `*`). */
function quality(header: string, coding: string): number {
  let wildcard: number | null = null
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const value = q ? Number(q.slice(2)) : 1
    const n = name.trim().toLowerCase()
    if (n === coding) return Number.isFinite(value) ? value : 0
    if (n === '*') wildcard = Number.isFinite(value) ? value : 0
  }
  return wildcard ?? 0
}

/** The coding to answer `req` with: brotli when accepted at least as gladly as gzip, else gzip, else none. */
export function acceptedCoding(req: Request): Coding | null {
  const header = req.headers.get('accept-encoding')
  if (!header) return null
  const br = quality(header, 'br')
  const gz = quality(header, 'gzip')
  if (br > 0 && br >= gz) return 'br'
  return gz > 0 ? 'gzip' : null
}

/** `body` compressed once, as well as each coding can, for files built once and served often
 * (on the thread pool: brotli's best takes a Pi's core for a second or two on the script). */
export async function compressStatic(body: Uint8Array<ArrayBuffer>): Promise<Record<Coding, Uint8Array<ArrayBuffer>>> {
  const [br, gz] = await Promise.all([
    brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength } }),
    gzipAsync(body, { level: 9 }),
  ])
  return { br: new Uint8Array(br), gzip: new Uint8Array(gz) }
}

function appendVary(headers: Headers) {
  const vary = headers.get('vary')
  if (!vary) headers.set('vary', 'Accept-Encoding')
  else if (!/(^|,)\s*accept-encoding\s*(,|$)/i.test(vary)) headers.set('vary', `${vary}, Accept-Encoding`)
}

/**
 * `res` compressed for `req` when the client accepts a coding and the body is worth it (text or
 * JSON, 1 KB or more, not already encoded); otherwise `res` as it is. The work runs on zlib's
 * thread pool, so a large export does not stall the live feed.
 */
export async function compressResponse(req: Request, res: Response): Promise<Response> {
  if (req.method === 'HEAD' || !res.body || res.status === 204 || res.status === 304) return res
  if (res.headers.has('content-encoding') || !COMPRESSIBLE.test(res.headers.get('content-type') ?? '')) return res
  const length = Number(res.headers.get('content-length') ?? NaN)
  if (length < MIN_BYTES) return res
  const coding = acceptedCoding(req)
  const headers = new Headers(res.headers)
  // Either way the answer depends on Accept-Encoding, and a cache must know.
  appendVary(headers)
  if (!coding) return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
  const body = new Uint8Array(await res.arrayBuffer())
  if (body.byteLength < MIN_BYTES) return new Response(body, { status: res.status, statusText: res.statusText, headers })
  const out =
    coding === 'br'
      ? await brotliAsync(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: BROTLI_DYNAMIC_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
            // A window no larger than the answer: a 20 KB answer needs no 4 MB of encoder memory.
            [constants.BROTLI_PARAM_LGWIN]: Math.min(constants.BROTLI_MAX_WINDOW_BITS, Math.max(16, Math.ceil(Math.log2(body.byteLength)))),
          },
        })
      : await gzipAsync(body, { level: GZIP_DYNAMIC_LEVEL })
  headers.set('content-encoding', coding)
  headers.delete('content-length')
  // A validator of the plain body does not name these bytes.
  const etag = headers.get('etag')
  if (etag && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`)
  return new Response(out, { status: res.status, statusText: res.statusText, headers })
}
