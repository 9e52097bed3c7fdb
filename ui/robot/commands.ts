// Sends commands and reports what became of them. The edge answers "accepted" at once and
// says "done" or "failed" later on the live feed; that later word can arrive before the
// HTTP answer does, so outcomes are remembered briefly either way. The live feed skips
// messages for a client that falls behind (or is down), so an outcome that has not come
// within a few seconds is asked for. The hub routes a command to its robot over MQTT and
// answers with the robot's reply (usually final) or a timeout; it has no command to ask.
import { ApiError } from '../lib/api.ts'
import { api } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { Command, CommandOutcome } from '../lib/types.ts'
import type { RobotLive } from './robot-live.ts'

const REMEMBER = 100
const ASK_AFTER_MS = 3_000
const GIVE_UP_MS = 60_000
/** Estop and resume are announced to everyone by their own robot events. */
const ANNOUNCED_BY_EVENT = new Set(['estop', 'resume'])
/** Their note on acceptance is a plan ("stand: 1 frames x 1"), not a warning; the page shows the play. */
const PLAN_NOTE = new Set(['action.run', 'motion'])

export class CommandClient {
  private pending = new Map<string, string>()
  private finished = new Map<string, CommandOutcome>()

  /** `robotId`: on the hub, the robot every command goes to. */
  constructor(
    private readonly robot: RobotLive,
    private readonly robotId: string | null = null,
  ) {}

  /** `what` names the command for a person: "Move servo 3 to 700". */
  async send(cmd: Command, what: string): Promise<CommandOutcome | null> {
    let out: CommandOutcome
    try {
      out = await api<CommandOutcome>('/command', { method: 'POST', json: this.robotId ? { robot_id: this.robotId, ...cmd } : cmd })
    } catch (err) {
      const e = err as ApiError
      if (e instanceof ApiError && e.offline) {
        toast('error', `${what}: NOT delivered`, `The ${this.robotId ? 'hub' : 'robot'} did not answer. Check the connection and try again.`)
      } else if (this.robotId && e instanceof ApiError && e.status === 504) {
        toast('error', `${what}: no reply from ${this.robotId}`, `${e.message}. The robot may be offline; it may still act on it when it comes back.`)
      } else if (this.robotId && e instanceof ApiError && e.status === 502) {
        toast('error', `${what}: failed`, e.message)
      } else {
        toast('error', `${what}: refused`, e.message)
      }
      return null
    }
    if (cmd.type === 'estop') this.robot.setEstopped(true, this.robot.estopReason)
    if (cmd.type === 'servo.move') for (const t of cmd.targets) this.robot.setTarget(t.id, t.position)
    const early = this.finished.get(out.id)
    if (out.state === 'done' || out.state === 'failed') {
      // The answer is the final word (the hub waits for the robot's reply), its note included.
      this.finished.delete(out.id)
      this.report(out, what, true)
      return out
    }
    if (early) this.report(early, what)
    else {
      this.pending.set(out.id, what)
      this.askLater(out.id, Date.now())
    }
    if (out.reason && !PLAN_NOTE.has(cmd.type)) toast('warn', what, out.reason)
    return out
  }

  /** A `command` event from the live feed. */
  onEvent(out: CommandOutcome) {
    if (typeof out.id !== 'string' || (out.state !== 'done' && out.state !== 'failed')) return
    const what = this.pending.get(out.id)
    if (what !== undefined) {
      this.pending.delete(out.id)
      this.report(out, what)
      return
    }
    this.finished.set(out.id, out)
    if (this.finished.size > REMEMBER) this.finished.delete(this.finished.keys().next().value!)
  }

  private askLater(id: string, since: number) {
    setTimeout(async () => {
      const what = this.pending.get(id)
      if (what === undefined) return
      // The hub has no command to ask: its live feed brings the robot's later replies.
      if (this.robotId && Date.now() - since < GIVE_UP_MS) return this.askLater(id, since)
      if (this.robotId) {
        this.pending.delete(id)
        toast('warn', `${what}: outcome unknown`, 'The robot accepted it but has not said whether it finished.')
        return
      }
      try {
        const c = await api<CommandOutcome>(`/command/${encodeURIComponent(id)}`)
        if ((c.state === 'done' || c.state === 'failed') && this.pending.delete(id)) return this.report(c, what)
      } catch {
        // Offline: keep asking until it answers or we give up.
      }
      if (Date.now() - since < GIVE_UP_MS) this.askLater(id, since)
      else {
        this.pending.delete(id)
        toast('warn', `${what}: outcome unknown`, 'The robot accepted it but has not said whether it finished.')
      }
    }, ASK_AFTER_MS)
  }

  private report(out: CommandOutcome, what: string, withNote = false) {
    if (out.state === 'failed') toast('error', `${what}: failed`, out.reason)
    // The edge's closing word says what was done ("stopped after 23 of endless frames").
    else if (!ANNOUNCED_BY_EVENT.has(out.type)) toast('success', `${what}: done`, withNote || PLAN_NOTE.has(out.type) ? out.reason : undefined)
  }
}
