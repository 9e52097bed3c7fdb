// Everything a logged-in page needs about its robot, created at login and torn down at
// logout: the live model, the live connection feeding it, and the command client.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { LiveConnection } from '../live/live-connection.ts'
import { api, session as currentSession, updateSessionUser, type Session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { LiveMessage, PerformanceResponse, PublicUser, RobotStatus } from '../lib/types.ts'
import { CommandClient } from './commands.ts'
import { RobotLive } from './robot-live.ts'

export class RobotSession {
  readonly robot = new RobotLive()
  readonly commands = new CommandClient(this.robot)
  readonly live: LiveConnection
  private perfSeeded = false
  private catching: Promise<void> | null = null

  constructor(readonly session: Session) {
    this.live = new LiveConnection({
      token: () => session.token,
      onMessage: (m) => this.onMessage(m),
      onOpen: () => void this.catchUp(),
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
}

export const RobotContext = createContext<RobotSession | null>(null)

export function useRobotSession(): RobotSession {
  const s = useContext(RobotContext)
  if (!s) throw new Error('useRobotSession outside a logged-in page')
  return s
}
