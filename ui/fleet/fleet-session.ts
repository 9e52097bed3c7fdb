// The robots list's model (hub only): the registry from `GET robots`, kept current by the
// fleet's live feed (status messages, battery samples, "last heard") and refreshed every few
// seconds (the hub marks a silent robot offline without telling the feed). Open alerts are
// the fleet's, kept by the live feed's alert events (open-alerts.ts), counted per robot. Live
// messages only mark the model dirty; the page redraws at most once a second.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { ApiError } from '../lib/api.ts'
import { LiveConnection } from '../live/live-connection.ts'
import { Observable } from '../lib/observable.ts'
import { api, type Session } from '../lib/session.ts'
import type { AlertMessage, FleetRobot, LiveMessage, RobotStatus } from '../lib/types.ts'
import { OpenAlerts, toastAlertChange } from '../robot/open-alerts.ts'
import type { RobotSyncStatus } from '../../sync/status.ts'

const LIST_EVERY_MS = 10_000
const REDRAW_MS = 1_000

export type FleetStatus = FleetRobot['status']

export interface RobotBattery {
  ts: number
  voltage_v: number | null
  percent: number | null
}

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; message: string; data?: T }

export class FleetSession {
  readonly live: LiveConnection
  readonly list = new Observable<Loaded<FleetRobot[]>>({ state: 'loading' })
  /** Every robot's open alerts. */
  readonly alerts = new OpenAlerts('/alerts?resolved=false')
  /** Bumped (at most once a second) when live data changed. */
  readonly version = new Observable(0)
  readonly battery = new Map<string, RobotBattery>()
  /** Each robot's sync as the hub sees it: with the list, then from the live feed's `sync` events (one per batch). */
  readonly sync = new Map<string, RobotSyncStatus>()
  /** Date.now() of the last live message per robot. */
  readonly heard = new Map<string, number>()
  private liveStatus = new Map<string, { status: FleetStatus; at: number }>()
  private listAskedAt = 0
  private seeded = new Set<string>()
  private dirty = false
  private timers: ReturnType<typeof setInterval>[] = []

  constructor(readonly session: Session) {
    this.live = new LiveConnection({
      token: () => session.token,
      // Quiet when no robot reports: silence is not a dead link here.
      silenceMs: null,
      onMessage: (m) => this.onMessage(m),
      onOpen: () => {
        void this.refresh()
        void this.alerts.load()
      },
      onRefused: () => void api('/auth/me').catch(() => {}),
    })
  }

  start() {
    this.live.start()
    void this.refresh()
    this.timers.push(
      setInterval(() => void this.refresh(), LIST_EVERY_MS),
      setInterval(() => this.flush(), REDRAW_MS),
    )
  }

  stop() {
    this.live.stop()
    for (const t of this.timers.splice(0)) clearInterval(t)
  }

  /** The robot's status: the live feed's word when it is newer than the last list. */
  statusOf(r: FleetRobot): FleetStatus {
    const l = this.liveStatus.get(r.robot_id)
    return l && l.at > this.listAskedAt ? l.status : r.status
  }

  /** When the robot was last heard of: live, or what the hub recorded. */
  lastSeen(r: FleetRobot): number | null {
    const h = this.heard.get(r.robot_id) ?? null
    return h !== null && (r.last_seen === null || h > r.last_seen) ? h : r.last_seen
  }

  async refresh() {
    const askedAt = Date.now()
    try {
      const [robots, sync] = await Promise.all([api<FleetRobot[]>('/robots'), api<RobotSyncStatus[]>('/sync/status').catch(() => null)])
      this.listAskedAt = askedAt
      for (const s of sync ?? []) this.sync.set(s.robot_id, s)
      this.list.set({ state: 'ok', data: robots })
      for (const r of robots) if (!this.seeded.has(r.robot_id)) void this.seedBattery(r.robot_id)
    } catch (err) {
      const prev = this.list.value
      this.list.set({ state: 'error', message: (err as ApiError).message, data: prev.state === 'loading' ? undefined : prev.data })
    }
  }

  /** Open alerts per robot; null while they load; `capped`: more than one request returns (lower bounds). */
  alertCounts(): { byRobot: Map<string, number>; capped: boolean } | null {
    const v = this.alerts.view.value
    const rows = v.state === 'ok' ? v.rows : v.state === 'error' ? v.rows : undefined
    if (!rows) return null
    const byRobot = new Map<string, number>()
    for (const a of rows) byRobot.set(a.robot_id, (byRobot.get(a.robot_id) ?? 0) + 1)
    return { byRobot, capped: v.state === 'ok' && v.capped }
  }

  /** The battery the hub last heard, until the live feed brings a newer one. */
  private async seedBattery(robotId: string) {
    this.seeded.add(robotId)
    try {
      const st = await api<RobotStatus>(`/robots/${encodeURIComponent(robotId)}/status`)
      const cur = this.battery.get(robotId)
      if (st.battery && (!cur || cur.ts < st.battery.ts)) {
        this.battery.set(robotId, { ts: st.battery.ts, voltage_v: st.battery.voltage_v, percent: st.battery.percent })
        this.markDirty()
      }
    } catch (err) {
      // 404: nothing heard since the hub started. Anything else: ask again with the next list.
      if (!(err instanceof ApiError && err.status === 404)) this.seeded.delete(robotId)
    }
  }

  private onMessage(m: LiveMessage) {
    if (m.type === 'hello' || !m.robot_id) return
    const id = m.robot_id
    // The hub's own judgement of a robot (e.g. "offline") is not word from the robot.
    if (m.type === 'event' && m.event === 'alert') return this.onAlert(id, m.data)
    if (m.type === 'event' && m.event === 'sync') {
      this.sync.set(id, m.data as unknown as RobotSyncStatus)
      this.dirty = true
    }
    this.heard.set(id, Date.now())
    this.dirty = true
    if (m.type === 'samples') {
      for (const s of m.samples) {
        if (s.stream !== 'battery') continue
        const cur = this.battery.get(id)
        if (cur && cur.ts > s.ts) continue
        this.battery.set(id, { ts: s.ts, voltage_v: s.values.voltage_v ?? cur?.voltage_v ?? null, percent: s.values.percent ?? cur?.percent ?? null })
      }
    } else if (m.event === 'status') {
      const st = m.data.status
      if (st === 'online' || st === 'offline' || st === 'emergency_stopped') this.liveStatus.set(id, { status: st, at: Date.now() })
      this.markDirty() // a robot going offline or stopping is shown at once
    }
  }

  /** A new or worse alert is told in a toast on the robots list too; every change recounts. */
  private onAlert(robotId: string, data: AlertMessage) {
    toastAlertChange(this.alerts.apply(data), robotId)
  }

  private markDirty() {
    this.dirty = true
    this.flush()
  }

  private flush() {
    if (!this.dirty) return
    this.dirty = false
    this.version.set(this.version.value + 1)
  }
}

export const FleetContext = createContext<FleetSession | null>(null)

export function useFleetSession(): FleetSession {
  const f = useContext(FleetContext)
  if (!f) throw new Error('useFleetSession outside the robots list')
  return f
}
