// The live WebSocket (`/api/v1/live` on the edge and the hub): how a browser proves who it is,
// what it may ask of the feed, and what the feed sends. Declared once for both servers and the
// dashboard.
//
// The bearer token travels as a WebSocket subprotocol (`tonypi.bearer.<token>`, offered beside
// `tonypi.live.v1`, which the server answers with), never in the URL: URLs end up in browser
// consoles ("WebSocket connection to ... failed"), proxy logs and history, a header does not.
// Compared with the alternatives: a one-time ticket from an authenticated POST needs ticket
// state that every hub replica can see (and one more round trip on each reconnection); the
// token as the first message lets unauthenticated sockets open and sit there, and turns a
// refusal into a close code instead of a 401. The subprotocol is checked before the upgrade,
// costs nothing extra, and keeps every server stateless (Kubernetes' API server does the same).
import type { EventLevel, FeedEventName, FeedEvents } from '../events.ts'
import type { Role } from '../schemas.ts'
import { isObj } from '../json-object.ts'
import { isStreamName, STREAM_NAMES, type Sample, type StreamName } from '../streams.ts'

export const LIVE_PATH = '/api/v1/live'
/** What the server answers with: a browser fails a handshake whose answer names none it offered. */
export const LIVE_PROTOCOL = 'tonypi.live.v1'
const BEARER_PROTOCOL = 'tonypi.bearer.'
/** JWTs are base64url in three parts: all of it is a valid protocol token (RFC 6455, 7230). */
const TOKEN_CHARS = /^[A-Za-z0-9._~-]+$/

/** The subprotocols a client offers: the feed's own, and its token. */
export function liveProtocols(token: string): string[] {
  return [LIVE_PROTOCOL, BEARER_PROTOCOL + token]
}

export type LiveAuthorization = { ok: true; authorization: string | null; headers?: Record<string, string> } | { ok: false; message: string }

/**
 * The `Authorization` value an upgrade request carries, from its subprotocols (browsers) or its
 * header (other clients), with the header the answer needs; a refusal for a token in the URL.
 */
export function liveAuthorization(req: Request): LiveAuthorization {
  if (new URL(req.url).searchParams.has('token')) {
    return {
      ok: false,
      message: `a token in the URL is refused (URLs are logged): offer it as the subprotocol ${BEARER_PROTOCOL}<token> beside ${LIVE_PROTOCOL}, or send Authorization: Bearer <token>`,
    }
  }
  const offered = (req.headers.get('sec-websocket-protocol') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  const answer = offered.includes(LIVE_PROTOCOL) ? { 'Sec-WebSocket-Protocol': LIVE_PROTOCOL } : undefined
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL))
  if (!bearer) return { ok: true, authorization: req.headers.get('authorization'), headers: answer }
  // Answering with the token's own protocol would echo it back: the server names its feed's.
  if (!answer) return { ok: false, message: `offer ${LIVE_PROTOCOL} beside the bearer subprotocol` }
  const token = bearer.slice(BEARER_PROTOCOL.length)
  return { ok: true, authorization: TOKEN_CHARS.test(token) ? `Bearer ${token}` : null, headers: answer }
}

/** Per stream: at most this many messages a second (0: none); a stream left out comes as it is measured. */
export type LiveRates = Partial<Record<StreamName, number>>

/** Faster than the fastest stream (the IMU's 100 Hz) means nothing. */
export const MAX_LIVE_HZ = 100

/** What a client may send: the rates it can show. */
export type LiveRequest = { type: 'rate'; hz: LiveRates }

/** A client's message, checked; a bad one gets a reason and changes nothing. */
export function parseLiveRequest(text: string): { ok: true; request: LiveRequest } | { ok: false; message: string } {
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch {
    return { ok: false, message: 'a live request is JSON: {"type":"rate","hz":{"servos":10}}' }
  }
  const r = m as { type?: unknown; hz?: unknown }
  if (typeof m !== 'object' || m === null || r.type !== 'rate') return { ok: false, message: 'the one live request is {"type":"rate","hz":{...}}' }
  if (!isObj(r.hz)) return { ok: false, message: 'hz: an object of stream rates, e.g. {"servos":10,"imu":20}' }
  const hz: LiveRates = {}
  for (const [stream, v] of Object.entries(r.hz)) {
    if (!isStreamName(stream)) return { ok: false, message: `hz.${stream}: not a stream (${STREAM_NAMES.join(', ')})` }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_LIVE_HZ)
      return { ok: false, message: `hz.${stream}: a number of messages a second, 0..${MAX_LIVE_HZ}` }
    hz[stream] = v
  }
  return { ok: true, request: { type: 'rate', hz } }
}

/** What the feed carries. The hub's names the robot of each message, and its hello has no role. */
export type LiveFeedMessage =
  | { type: 'hello'; robot_id: string | null; user: string; role?: Role; ts: number }
  | { type: 'samples'; robot_id?: string; samples: Sample[] }
  | LiveFeedEvent

/** One event on a feed, its data typed by its name (core/events.ts). */
export type LiveFeedEvent = {
  [K in FeedEventName]: { type: 'event'; robot_id?: string; event: K; level?: EventLevel; ts: number; data: FeedEvents[K] }
}[FeedEventName]

/** The feed's answers to a client's requests: the rates in force, or why a request was not taken. */
export type LiveAnswer = { type: 'rate'; hz: LiveRates } | { type: 'error'; message: string }

export type LiveMessage = LiveFeedMessage | LiveAnswer
