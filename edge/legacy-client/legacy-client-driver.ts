// The legacy-client profile's driver: on a Pi where the earlier Python client still drives the
// hardware, the edge opens no device at all. The robot's state arrives in the client's messages
// (edge/broker/inbound.ts puts them on the bus, as a native robot's collector would), and each
// command goes to it whole, in its topics and words (core/legacy/mapping.ts); its reply is the
// command's outcome, silence past the timeout a failure. It lives in edge/, not drivers/: its
// wire is the edge's own MQTT broker, which drivers must not depend on.
import type { Logger } from '../../core/log.ts'
import { outcomeOfLegacyReply, toLegacyCommand } from '../../core/legacy/mapping.ts'
import type { Command } from '../../core/schemas.ts'
import type { RemoteRobot, RobotDriver, ServoHealth, ServoInfo } from '../../drivers/robot-driver.ts'
import type { EmbeddedBroker } from '../broker/broker.ts'

/** Its client reports servos every 3 s and its status every 10 s: readings go stale after three missed servo reports. */
export const LEGACY_STALE_AFTER_MS = 10_000

interface Waiter {
  resolve(reason: string): void
  reject(err: Error): void
  timer: ReturnType<typeof setTimeout>
}

export class LegacyClientDriver implements RobotDriver {
  readonly profile = 'legacy-client'
  // Nothing is polled: its readings come in its own messages.
  readonly hasImu = false
  readonly hasBattery = false
  readonly remote: RemoteRobot
  private readonly waiters = new Map<string, Waiter>()
  /** Ids of the latest commands given to it, to know its late or second answers as such. */
  private readonly asked = new Set<string>()

  constructor(private readonly deps: { broker: EmbeddedBroker; robotId: string; servos: readonly ServoInfo[]; replyTimeoutMs: number; log: Logger }) {
    this.remote = {
      staleAfterMs: LEGACY_STALE_AFTER_MS,
      refuses: (cmd) => {
        const m = toLegacyCommand(deps.robotId, '-', cmd)
        return 'refused' in m ? m.refused : null
      },
      run: (cmd, id) => this.run(cmd, id),
    }
  }

  get servos(): readonly ServoInfo[] {
    return this.deps.servos
  }

  private run(cmd: Command, id: string): Promise<string> {
    const m = toLegacyCommand(this.deps.robotId, id, cmd)
    if ('refused' in m) return Promise.reject(new Error(m.refused))
    // Its client subscribes with client_id = robot_id: without that connection nothing hears it.
    if (!this.deps.broker.hasLocalClient(this.deps.robotId)) {
      return Promise.reject(new Error(`the earlier client is not connected to this robot's broker (client id ${this.deps.robotId})`))
    }
    if (this.waiters.has(id)) return Promise.reject(new Error(`command ${id} is already waiting for the earlier client`))
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id)
        reject(new Error(`no reply from the earlier client within ${this.deps.replyTimeoutMs} ms`))
      }, this.deps.replyTimeoutMs)
      this.waiters.set(id, { resolve, reject, timer })
    })
    this.asked.add(id)
    if (this.asked.size > 100) this.asked.delete(this.asked.values().next().value!)
    void this.deps.broker.publish(m.topic, JSON.stringify(m.payload))
    return answer
  }

  /**
   * A reply of its client: `completed` when it answers a command the edge gave it, `repeat` for
   * the second answer of an emergency stop (it answers on two topics) or one after the timeout,
   * `unknown` for anything else (its answer to a query an operator sent it).
   */
  reply(r: { commandId: string | null; success: boolean; message: string }): 'completed' | 'repeat' | 'unknown' {
    if (r.commandId === null) return 'unknown'
    const w = this.waiters.get(r.commandId)
    if (!w) return this.asked.has(r.commandId) ? 'repeat' : 'unknown'
    this.waiters.delete(r.commandId)
    clearTimeout(w.timer)
    const out = outcomeOfLegacyReply(r)
    if (out.state === 'done') w.resolve(out.reason)
    else w.reject(new Error(out.reason))
    return 'completed'
  }

  readPositions(): Map<number, number | null> {
    return new Map()
  }

  readServoHealth(): ServoHealth | null {
    return null
  }

  readImu(): null {
    return null
  }

  readBattery(): null {
    return null
  }

  private notMine(): never {
    throw new Error('the earlier client drives this robot: commands go to it whole (edge/commands/command-executor.ts)')
  }

  move(): void {
    this.notMine()
  }

  stop(): void {
    this.notMine()
  }

  setTorque(): void {
    this.notMine()
  }

  close() {
    for (const [id, w] of this.waiters) {
      clearTimeout(w.timer)
      w.reject(new Error('the edge is stopping'))
      this.waiters.delete(id)
    }
  }
}
