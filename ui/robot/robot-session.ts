// Everything a logged-in page needs about its robot, created at login and torn down at
// logout: the live model, the live connection feeding it, and the command client. On the
// hub (fleet mode) one exists per chosen robot, with every API path and the live feed scoped
// to it, and what the hub knows of the robot (online, last seen) beside the live model.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { LiveConnection } from '../live/live-connection.ts'
import { ApiError } from '../lib/api.ts'
import { Observable } from '../lib/observable.ts'
import { api, session as currentSession, updateSessionUser, type Session } from '../lib/session.ts'
import { jointName } from '../lib/format.ts'
import { robotPagePath } from '../lib/robot-paths.ts'
import { toast } from '../lib/toasts.ts'
import type { AlertMessage, FeedEvents, FleetRobot, LiveMessage, LiveRates, PerformanceResponse, PublicUser, RobotStatus, SensorHistory } from '../lib/types.ts'
import { ActionGroups } from './action-groups.ts'
import { CommandClient } from './commands.ts'
import { OpenAlerts, toastAlertChange } from './open-alerts.ts'
import { chartResolution, SPARKLINE_PX } from './history-fields.ts'
import { RobotLive } from './robot-live.ts'

/** Servos that go quiet together (a loose cable, a bus brown-out) make one toast, not 16. */
const SERVO_EVENT_GATHER_MS = 300
/** Hub: how often to ask again for the state of a robot that starts reporting after the page opened. */
const RESEED_GAP_MS = 1_000
/** Hub: a servo unheard this long is stale (the hub's own window for robot/status). */
const FLEET_SERVO_STALE_MS = 5_000
/** Hub: how often to re-read the registry (the hub marks a silent robot offline without a live event). */
const FLEET_INFO_EVERY_MS = 10_000

/** Hub: the robot's registry entry, `missing` when the hub has no such robot. */
export type RobotInfo = FleetRobot | 'missing' | null

export class RobotSession {
  readonly robot = new RobotLive()
  readonly commands: CommandClient
  readonly actions = new ActionGroups()
  readonly live: LiveConnection
  /** Hub only: what the hub knows of the robot, kept current by status events. */
  readonly info = new Observable<RobotInfo>(null)
  /** The robot's open alerts, kept by the live feed; every view of alerts reads them. */
  readonly alerts: OpenAlerts
  /** Counts live job events, so the pages showing jobs reload when one arrives. */
  readonly jobEvents = new Observable(0)
  /** Hub only: Date.now() of the last live message from the robot. */
  heardAt: number | null = null
  private servoEvents = { silent: new Set<number>(), recovered: new Set<number>(), timer: null as ReturnType<typeof setTimeout> | null }
  private chartSeeds = new Map<string, Promise<void>>()
  private catching: Promise<void> | null = null
  private lastReseed = 0
  private infoTimer: ReturnType<typeof setInterval> | null = null
  /** How long a servo may be silent before it shows as not answering, at the feed's full rate. */
  private readonly baseStaleMs: number

  /** `robotId`: on the hub, the robot this session shows; null on the edge (its one robot). */
  constructor(
    readonly session: Session,
    readonly robotId: string | null = null,
  ) {
    this.commands = new CommandClient(this.robot, robotId)
    this.alerts = new OpenAlerts(this.path('/alerts', { resolved: 'false' }))
    this.baseStaleMs = robotId ? FLEET_SERVO_STALE_MS : this.robot.staleMs
    this.robot.staleMs = this.baseStaleMs
    this.live = new LiveConnection({
      token: () => session.token,
      ...(robotId ? { params: { robot_id: robotId }, silenceMs: null } : {}),
      onMessage: (m) => this.onMessage(m),
      onOpen: () => {
        void this.catchUp()
        // Loaded once the feed is open, so no change falls between the list and the events.
        void this.alerts.load()
        // Action events sent while the link was down are gone: ask what is playing now.
        if (this.actions.wanted) void this.actions.load()
      },
      // A refused upgrade looks like a network error to a browser: ask the API why.
      onRefused: () => void api('/auth/me').catch(() => {}),
    })
  }

  /** The samples the open page can show (core/live/protocol.ts); servos count as silent after three missed periods. */
  setLiveRates(rates: LiveRates) {
    this.live.setRates(rates)
    const hz = rates.servos
    this.robot.staleMs = Math.max(this.baseStaleMs, hz ? 3000 / hz : 0)
  }

  /** True on the hub: pages leave out what only the edge has (its stats, action groups). */
  get fleet(): boolean {
    return this.robotId !== null
  }

  /** An API path about this robot; on the hub with `robot_id` added. */
  path(p: string, params: Record<string, string> = {}): string {
    const q = new URLSearchParams(this.robotId ? { robot_id: this.robotId, ...params } : params).toString()
    return q ? `${p}${p.includes('?') ? '&' : '?'}${q}` : p
  }

  /** A page of this robot: `/servos` on the edge, `/robots/<id>/servos` on the hub. */
  link(page: string): string {
    return this.robotId ? robotPagePath(this.robotId, page === '/' ? '' : page) : page
  }

  /** The robot's status in the edge's robot/status shape. */
  get statusPath(): string {
    return this.robotId ? `/robots/${encodeURIComponent(this.robotId)}/status` : '/robot/status'
  }

  start() {
    this.live.start()
    void this.catchUp()
    if (this.robotId) this.infoTimer = setInterval(() => void this.loadInfo(), FLEET_INFO_EVERY_MS)
  }

  stop() {
    this.live.stop()
    if (this.infoTimer) clearInterval(this.infoTimer)
    if (this.servoEvents.timer) clearTimeout(this.servoEvents.timer)
  }

  /** The role the robot enforces now (an admin may change it during the session). */
  get role() {
    return currentSession.value?.user.role ?? this.session.user.role
  }

  /** Reloads the robot's state after (re)connecting: an estop or a move may have happened
   * meanwhile. Calls while one is in flight share it (start and the first open coincide). */
  catchUp(): Promise<void> {
    this.catching ??= this.loadState().finally(() => {
      this.catching = null
    })
    return this.catching
  }

  private async loadState() {
    // The latest Pi figures only: their history is fetched by the charts that draw it.
    const perf = api<PerformanceResponse>(this.path('/pi/performance'))
    perf.catch(() => {}) // awaited below; not an unhandled rejection meanwhile
    if (this.robotId && !(await this.loadInfo())) return
    const events = this.robot.stateEvents
    try {
      this.robot.seed(await api<RobotStatus>(this.statusPath), events)
    } catch {
      return // offline: the live connection retries and calls again
    }
    if (this.robotId) this.stopFromRegistry()
    try {
      const p = await perf
      const latest = p.latest ? { ts: p.latest.ts, values: { ...p.latest, throttled: p.latest.throttled?.raw } } : null
      if (latest && latest.values.throttled === undefined) delete latest.values.throttled
      this.robot.seedPerformance(latest as { ts: number; values: Record<string, number> } | null)
    } catch {
      // The live feed brings the next reading within a second.
    }
  }

  /**
   * The stored history a sparkline of `stream` draws (the last `spanMs`, about a point per pixel
   * of `widthPx`, only the fields it shows), fetched once per session by the page that draws
   * it; the live feed keeps it current after that.
   */
  seedChartHistory(stream: 'performance' | 'battery', spanMs: number, widthPx = SPARKLINE_PX): Promise<void> {
    let p = this.chartSeeds.get(stream)
    if (!p) {
      const to = Date.now()
      const fields = Object.keys(this.robot.historyRings(stream))
      const q = { stream, from: String(to - spanMs), to: String(to), resolution: chartResolution(spanMs, widthPx), fields: fields.join(',') }
      p = api<SensorHistory>(this.path('/robot/sensors', q)).then(
        (h) => this.robot.seedHistory(stream, h.points),
        () => {
          this.chartSeeds.delete(stream)
        }, // asked again by the next page that draws it
      )
      this.chartSeeds.set(stream, p)
    }
    return p
  }

  /** Hub: the robot's registry entry; false when there is none (or the hub is unreachable). */
  private async loadInfo(): Promise<boolean> {
    try {
      const info = await api<FleetRobot>(`/robots/${encodeURIComponent(this.robotId!)}`)
      this.info.set(info)
      return true
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.info.set('missing')
      return false
    }
  }

  /** Hub: a stop the registry records (the robot said so before the hub last restarted). */
  private stopFromRegistry() {
    const info = this.info.value
    if (info && info !== 'missing' && info.status === 'emergency_stopped' && !this.robot.estopped) this.robot.setEstopped(true)
  }

  /** Hub: a robot that starts reporting after the page opened gets its state loaded then. */
  private reseedIfUnheard() {
    if (this.robot.seeded || Date.now() - this.lastReseed < RESEED_GAP_MS) return
    this.lastReseed = Date.now()
    void this.catchUp()
  }

  /** Hub: the robot's own status message (online, offline, emergency_stopped). */
  private onFleetStatus(data: FeedEvents['status']) {
    const status = data.status
    if (status !== 'online' && status !== 'offline' && status !== 'emergency_stopped') return
    const info = this.info.value
    if (info && info !== 'missing') this.info.set({ ...info, status, last_seen: typeof data.ts === 'number' ? data.ts : Date.now() })
    // Offline says nothing about a stop: only the robot's own word changes it.
    if (status === 'offline') return
    const stopped = status === 'emergency_stopped' || data.estopped === true
    if (stopped === this.robot.estopped) return
    const reason = typeof data.estop_reason === 'string' ? data.estop_reason : null
    this.robot.applyEvent(stopped ? 'estop' : 'resume', reason ? { reason } : {})
    if (stopped) toast('warn', `Emergency stop: ${this.robotId}`, reason ?? '')
    else toast('info', `${this.robotId} resumed`, 'Commands are accepted again.')
  }

  private onMessage(m: LiveMessage) {
    if (this.robotId && m.type !== 'hello') {
      // The hub's feed is filtered to this robot; a stray message of another is not ours.
      if (m.robot_id !== undefined && m.robot_id !== this.robotId) return
      // The hub's alerts about the robot (e.g. "offline") are not word from it.
      if (m.type === 'event' && m.event === 'alert') return this.onAlertEvent(m.data)
      this.heardAt = Date.now()
      if (!this.robot.seeded) this.reseedIfUnheard()
      if (m.type === 'event' && m.event === 'status') return this.onFleetStatus(m.data)
    }
    if (m.type === 'samples') this.robot.applySamples(m.samples)
    else if (m.type === 'event') {
      if (m.event === 'command') this.commands.onEvent(m.data)
      else if (this.actions.applyEvent(m.event, m.data)) return
      else if (m.event === 'servo.silent' || m.event === 'servo.recovered') this.onServoEvent(m.event, m.data)
      else if (m.event === 'alert') this.onAlertEvent(m.data)
      else if (m.event === 'job') this.jobEvents.set(this.jobEvents.value + 1)
      else {
        this.robot.applyEvent(m.event, m.data)
        if (m.event === 'estop') toast('warn', 'Emergency stop', String(m.data.reason ?? (m.data.by ? `by ${m.data.by}` : '')))
        else if (m.event === 'resume') {
          this.actions.resumed()
          toast('info', 'Robot resumed', 'Commands are accepted again.')
        }
      }
    } else if (m.type === 'hello' && m.role !== undefined && m.role !== this.role) {
      // An admin changed this user's role: show (or hide) controls for the role the robot now enforces.
      void api<PublicUser>('/auth/me').then(updateSessionUser, () => {})
    }
  }

  /** Every new alert, and every one that gets worse, is told in a toast (to viewers too). */
  private onAlertEvent(data: AlertMessage) {
    toastAlertChange(this.alerts.apply(data))
  }

  private onServoEvent(event: 'servo.silent' | 'servo.recovered', data: FeedEvents[typeof event]) {
    const id = Number(data.servo_id)
    if (!Number.isInteger(id)) return
    const q = this.servoEvents
    // A servo that drops out and comes back within the window is reported by its latest word.
    if (event === 'servo.silent') {
      q.recovered.delete(id)
      q.silent.add(id)
    } else {
      q.silent.delete(id)
      q.recovered.add(id)
    }
    q.timer ??= setTimeout(() => this.flushServoEvents(), SERVO_EVENT_GATHER_MS)
  }

  private flushServoEvents() {
    const q = this.servoEvents
    q.timer = null
    const name = (id: number) => {
      const s = this.robot.servo(id)
      return s ? `${id} (${jointName(s.name)})` : String(id)
    }
    const list = (ids: Set<number>) =>
      [...ids]
        .sort((a, b) => a - b)
        .map(name)
        .join(', ')
    if (q.silent.size === 1) toast('warn', `Servo ${name([...q.silent][0])} is not answering`, 'It stopped replying on the bus: check its cable.')
    else if (q.silent.size > 1) toast('warn', `${q.silent.size} servos are not answering`, `Servos ${list(q.silent)}. Check the cables and the servo power.`)
    if (q.recovered.size === 1) toast('success', `Servo ${name([...q.recovered][0])} is answering again`)
    else if (q.recovered.size > 1) toast('success', `${q.recovered.size} servos are answering again`, `Servos ${list(q.recovered)}.`)
    q.silent.clear()
    q.recovered.clear()
  }
}

export const RobotContext = createContext<RobotSession | null>(null)

export function useRobotSession(): RobotSession {
  const s = useContext(RobotContext)
  if (!s) throw new Error('useRobotSession outside a logged-in page')
  return s
}

/** The robot of this page, or null on the fleet's own pages (robots list, users, settings). */
export function useOptionalRobotSession(): RobotSession | null {
  return useContext(RobotContext)
}
