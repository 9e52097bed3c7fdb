// Sends commands and reports what became of them. The edge answers "accepted" at once and
// says "done" or "failed" later on the live feed; that later word can arrive before the
// HTTP answer does, so outcomes are remembered briefly either way. The live feed skips
// messages for a client that falls behind (or is down), so an outcome that has not come
// within a few seconds is asked for.
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

  constructor(private readonly robot: RobotLive) {}

  /** `what` names the command for a person: "Move servo 3 to 700". */
  async send(cmd: Command, what: string): Promise<CommandOutcome | null> {
    let out: CommandOutcome
    try {
      out = await api<CommandOutcome>('/command', { method: 'POST', json: cmd })
    } catch (err) {
      const e = err as ApiError
      if (e instanceof ApiError && e.offline) {
        toast('error', `${what}: NOT delivered`, 'The robot did not answer. Check the connection and try again.')
      } else {
        toast('error', `${what}: refused`, e.message)
      }
      return null
    }
    if (cmd.type === 'estop') this.robot.setEstopped(true, this.robot.estopReason)
    if (cmd.type === 'servo.move') for (const t of cmd.targets) this.robot.setTarget(t.id, t.position)
    const early = this.finished.get(out.id)
    if (early) this.report(early, what)
    else {
      this.pending.set(out.id, what)
      this.askLater(out.id, Date.now())
    }
    if (out.reason && !PLAN_NOTE.has(cmd.type)) toast('warn', what, out.reason)
    return out
  }

  /** A `command` event from the live feed. */
  onEvent(data: Record<string, unknown>) {
    const out = data as unknown as CommandOutcome
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

  private report(out: CommandOutcome, what: string) {
    if (out.state === 'failed') toast('error', `${what}: failed`, out.reason)
    // The edge's closing word says what was done ("stopped after 23 of endless frames").
    else if (!ANNOUNCED_BY_EVENT.has(out.type)) toast('success', `${what}: done`, PLAN_NOTE.has(out.type) ? out.reason : undefined)
  }
}
