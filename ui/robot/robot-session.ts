// Everything a logged-in page needs about its robot, created at login and torn down at
// logout: the live model, the live connection feeding it, and the command client.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { LiveConnection } from '../live/live-connection.ts'
import { api, session as currentSession, updateSessionUser, type Session } from '../lib/session.ts'
import { jointName } from '../lib/format.ts'
import { toast } from '../lib/toasts.ts'
import type { LiveMessage, PerformanceResponse, PublicUser, RobotStatus } from '../lib/types.ts'
import { ActionGroups } from './action-groups.ts'
import { CommandClient } from './commands.ts'
import { RobotLive } from './robot-live.ts'

/** Servos that go quiet together (a loose cable, a bus brown-out) make one toast, not 16. */
const SERVO_EVENT_GATHER_MS = 300

export class RobotSession {
  readonly robot = new RobotLive()
  readonly commands = new CommandClient(this.robot)
  readonly actions = new ActionGroups()
  readonly live: LiveConnection
  private servoEvents = { silent: new Set<number>(), recovered: new Set<number>(), timer: null as ReturnType<typeof setTimeout> | null }
  private perfSeeded = false
  private catching: Promise<void> | null = null

  constructor(readonly session: Session) {
    this.live = new LiveConnection({
      token: () => session.token,
      onMessage: (m) => this.onMessage(m),
      onOpen: () => {
        void this.catchUp()
        // Action events sent while the link was down are gone: ask what is playing now.
        if (this.actions.wanted) void this.actions.load()
      },
      // A refused upgrade looks like a network error to a browser: ask the API why.
      onRefused: () => void api('/auth/me').catch(() => {}),
    })
  }

  start() {
    this.live.start()
    void this.catchUp()
  }

  stop() {
    this.live.stop()
    if (this.servoEvents.timer) clearTimeout(this.servoEvents.timer)
  }

  /** The role the robot enforces now (an admin may change it during the session). */
  get role() {
    return currentSession.value?.user.role ?? this.session.user.role
  }

  /** Reloads the robot's state after (re)connecting: an estop or a move may have happened
   * meanwhile. Calls while one is in flight share it (start and the first open coincide). */
  catchUp(): Promise<void> {
    this.catching ??= this.loadState().finally(() => { this.catching = null })
    return this.catching
  }

  private async loadState() {
    const now = Date.now()
    const perf = this.perfSeeded ? null : api<PerformanceResponse>(`/pi/performance?from=${now - 10 * 60_000}&to=${now}`)
    perf?.catch(() => {}) // awaited below; not an unhandled rejection meanwhile
    const events = this.robot.stateEvents
    try {
      this.robot.seed(await api<RobotStatus>('/robot/status'), events)
    } catch {
      return // offline: the live connection retries and calls again
    }
    if (!perf) return
    try {
      const p = await perf
      const latest = p.latest ? { ts: p.latest.ts, values: { ...p.latest, throttled: p.latest.throttled?.raw } } : null
      if (latest && latest.values.throttled === undefined) delete latest.values.throttled
      this.robot.seedPerformance(p.window?.points ?? [], latest as { ts: number; values: Record<string, number> } | null)
      this.perfSeeded = true
    } catch {
      // History is a nicety; live samples fill the charts anyway.
    }
  }

  private onMessage(m: LiveMessage) {
    if (m.type === 'samples') this.robot.applySamples(m.samples)
    else if (m.type === 'event') {
      if (m.event === 'command') this.commands.onEvent(m.data)
      else if (this.actions.applyEvent(m.event, m.data)) return
      else if (m.event === 'servo.silent' || m.event === 'servo.recovered') this.onServoEvent(m.event, m.data)
      else {
        this.robot.applyEvent(m.event, m.data)
        if (m.event === 'estop') toast('warn', 'Emergency stop', String(m.data.reason ?? (m.data.by ? `by ${m.data.by}` : '')))
        else if (m.event === 'resume') toast('info', 'Robot resumed', 'Commands are accepted again.')
      }
    } else if (m.type === 'hello' && m.role !== this.role) {
      // An admin changed this user's role: show (or hide) controls for the role the robot now enforces.
      void api<PublicUser>('/auth/me').then(updateSessionUser, () => {})
    }
  }

  private onServoEvent(event: 'servo.silent' | 'servo.recovered', data: Record<string, unknown>) {
    const id = Number(data.servo_id)
    if (!Number.isInteger(id)) return
    const q = this.servoEvents
    // A servo that drops out and comes back within the window is reported by its latest word.
    if (event === 'servo.silent') { q.recovered.delete(id); q.silent.add(id) } else { q.silent.delete(id); q.recovered.add(id) }
    q.timer ??= setTimeout(() => this.flushServoEvents(), SERVO_EVENT_GATHER_MS)
  }

  private flushServoEvents() {
    const q = this.servoEvents
    q.timer = null
    const name = (id: number) => {
      const s = this.robot.servo(id)
      return s ? `${id} (${jointName(s.name)})` : String(id)
    }
    const list = (ids: Set<number>) => [...ids].sort((a, b) => a - b).map(name).join(', ')
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
