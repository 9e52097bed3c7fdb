// The authenticated live WebSocket, kept open: when it drops (robot rebooting, Wi-Fi
// roaming) it retries with backoff and says so, and a connection that goes silent is
// treated as lost rather than trusted. The token goes as a subprotocol, never in the URL
// (core/live/protocol.ts); the rates the page can show are asked for on every connection.
import { LIVE_PATH, liveProtocols, type LiveMessage as AnyLiveMessage } from '../../core/live/protocol.ts'
import { Observable } from '../lib/observable.ts'
import type { LiveMessage, LiveRates } from '../lib/types.ts'

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface LiveStatus {
  state: LiveState
  /** Failed attempts since the connection was last open. */
  attempt: number
  /** Date.now() of the next attempt while reconnecting. */
  retryAt: number | null
  /** Date.now() when the connection was lost, while it is. */
  lostAt: number | null
}

export interface LiveHandlers {
  token(): string | null
  onMessage(m: LiveMessage): void
  /** After every (re)connection: the page catches up on what it missed. */
  onOpen(): void
  /** A connection that never opened: the token may have expired. */
  onRefused(): void
  /** Extra query parameters (the hub's `robot_id`). */
  params?: Record<string, string>
  /** Silence after which the link counts as dead; null: never. The hub's feed carries only what
   * robots send, and an offline robot sends nothing, so silence there says nothing. */
  silenceMs?: number | null
}

const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 5_000
/** The robot sends IMU and servo samples many times a second; 10 s of silence is a dead link. */
const SILENCE_MS = 10_000

export function liveUrl(params: Record<string, string> = {}): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const q = new URLSearchParams(params).toString()
  return `${proto}//${location.host}${LIVE_PATH}${q ? `?${q}` : ''}`
}

export class LiveConnection {
  readonly status = new Observable<LiveStatus>({ state: 'connecting', attempt: 0, retryAt: null, lostAt: null })
  private ws: WebSocket | null = null
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private watchdog: ReturnType<typeof setInterval> | null = null
  private lastMessageAt = 0
  private stopped = false
  private rates: LiveRates | null = null
  private readonly wake = () => {
    if (this.status.value.state === 'reconnecting') this.retryNow()
  }

  constructor(private readonly handlers: LiveHandlers) {}

  start() {
    this.stopped = false
    addEventListener('online', this.wake)
    document.addEventListener('visibilitychange', this.wake)
    const silence = this.handlers.silenceMs === undefined ? SILENCE_MS : this.handlers.silenceMs
    if (silence !== null) {
      this.watchdog = setInterval(() => {
        if (this.ws && this.status.value.state === 'open' && Date.now() - this.lastMessageAt > silence) this.ws.close()
      }, 1_000)
    }
    this.connect()
  }

  stop() {
    this.stopped = true
    removeEventListener('online', this.wake)
    document.removeEventListener('visibilitychange', this.wake)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.watchdog) clearInterval(this.watchdog)
    this.ws?.close(1000, 'logged out')
    this.ws = null
    this.status.set({ state: 'closed', attempt: 0, retryAt: null, lostAt: null })
  }

  /** Asks the feed for no more than `rates` (now, and on every reconnection). */
  setRates(rates: LiveRates) {
    const same = this.rates && JSON.stringify(this.rates) === JSON.stringify(rates)
    this.rates = rates
    if (!same && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'rate', hz: rates }))
  }

  retryNow() {
    if (this.stopped || this.status.value.state === 'open') return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.connect()
  }

  private connect() {
    const token = this.handlers.token()
    if (!token) return
    const prev = this.status.value
    if (prev.state !== 'reconnecting') this.status.set({ ...prev, state: 'connecting' })
    let opened = false
    const ws = new WebSocket(liveUrl(this.handlers.params), liveProtocols(token))
    this.ws = ws
    ws.onopen = () => {
      opened = true
      this.lastMessageAt = Date.now()
      if (this.rates) ws.send(JSON.stringify({ type: 'rate', hz: this.rates }))
      this.status.set({ state: 'open', attempt: 0, retryAt: null, lostAt: null })
      this.handlers.onOpen()
    }
    ws.onmessage = (e) => {
      this.lastMessageAt = Date.now()
      let m: AnyLiveMessage
      try {
        m = JSON.parse(String(e.data)) as AnyLiveMessage
      } catch {
        return // one malformed message must not take the page down
      }
      // The feed's answers to our own requests; a refused one is a bug here, said in the console.
      if (m.type === 'error') console.warn('live feed:', m.message)
      else if (m.type !== 'rate') this.handlers.onMessage(m as LiveMessage)
    }
    ws.onclose = () => {
      if (this.ws !== ws) return
      this.ws = null
      if (this.stopped) return
      if (!opened) this.handlers.onRefused()
      this.scheduleRetry()
    }
  }

  private scheduleRetry() {
    const prev = this.status.value
    const attempt = prev.attempt + 1
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (attempt - 1))
    const delay = base * (0.8 + Math.random() * 0.4) // jitter: a fleet of tabs must not retry in lockstep
    this.status.set({ state: 'reconnecting', attempt, retryAt: Date.now() + delay, lostAt: prev.lostAt ?? Date.now() })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
  }
}
