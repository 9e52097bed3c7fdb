// The fleet's latest state in memory, kept from what arrives over MQTT: per robot the same
// status shape the edge serves (servos, IMU, battery), and a feed of everything as it comes,
// for the fleet dashboard's live pages. Every hub replica keeps its own, from its own subscription
// to everything robots publish, for the browsers it serves; a person's session that ends is ended
// on every replica (`sessionsEnded` tells the others).
import type { FeedEventName, FeedEvents } from '../../core/events.ts'
import type { LiveFeedEvent } from '../../core/live/protocol.ts'
import { RobotState } from '../../core/robot-state.ts'
import type { RobotStatus } from '../../core/schemas.ts'
import type { Sample } from '../../core/streams.ts'
import { TONYPI_SERVOS } from '../../core/tonypi-servos.ts'

export type FleetMessage = { type: 'samples'; robot_id: string; samples: Sample[] } | (LiveFeedEvent & { robot_id: string })

/** Servos seen at the hub are stale after this (the edge's own window is a few sweeps). */
const STALE_AFTER_MS = 5_000

/** A robot as the hub knows it before its first message: the TonyPi's servos, nothing measured. */
function blankState(robotId: string): RobotState {
  return new RobotState(
    robotId,
    'unknown',
    TONYPI_SERVOS.map((x) => ({ ...x, min: 0, max: 1000 })),
    STALE_AFTER_MS,
  )
}

export class FleetLive {
  private states = new Map<string, RobotState>()
  private listeners = new Set<(m: FleetMessage) => void>()

  private state(robotId: string): RobotState {
    let s = this.states.get(robotId)
    if (!s) {
      s = blankState(robotId)
      this.states.set(robotId, s)
    }
    return s
  }

  apply(robotId: string, samples: Sample[]) {
    this.state(robotId).apply(samples)
    this.emit({ type: 'samples', robot_id: robotId, samples })
  }

  event<K extends FeedEventName>(robotId: string, event: K, data: FeedEvents[K]) {
    if (event === 'status') {
      // As the robot sent it: checked for its status only.
      const d = data as Partial<FeedEvents['status']>
      const s = this.state(robotId)
      s.estopped = d.status === 'emergency_stopped' || d.estopped === true
      s.estopReason = typeof d.estop_reason === 'string' ? d.estop_reason : null
    }
    this.emit({ type: 'event', robot_id: robotId, event, ts: Date.now(), data } as FleetMessage)
  }

  /**
   * The edge-shaped status of a registered robot: what the hub last heard of it, or, for one it
   * has not heard from since it started, its servos with nothing measured (every one stale, no
   * IMU, no battery). Whether the robot is connected is the registry's word (`GET robots/{id}`).
   */
  status(robotId: string, profile: string | null, now: number): RobotStatus {
    const s = this.states.get(robotId) ?? blankState(robotId)
    return { ...s.status(now), profile: profile ?? 'unknown' }
  }

  private sessions = new Map<number, Set<() => void>>()

  /** Registers how to end a person's live socket; returns the unregistration. */
  session(uid: number, end: () => void): () => void {
    const set = this.sessions.get(uid) ?? new Set()
    set.add(end)
    this.sessions.set(uid, set)
    return () => {
      set.delete(end)
      if (!set.size) this.sessions.delete(uid)
    }
  }

  /** Set by the hub: tells the other replicas (they call endLocalSessionsOf). */
  sessionsEnded: (uid: number) => void = () => {}

  /** Ends the live sockets of a user whose password, role or tokens changed, or who was deleted: here and on every replica. */
  endSessionsOf(uid: number) {
    this.endLocalSessionsOf(uid)
    this.sessionsEnded(uid)
  }

  /** The live sockets this replica serves for the user. */
  endLocalSessionsOf(uid: number) {
    for (const end of this.sessions.get(uid) ?? []) end()
    this.sessions.delete(uid)
  }

  subscribe(fn: (m: FleetMessage) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private emit(m: FleetMessage) {
    for (const l of this.listeners) {
      try {
        l(m)
      } catch {
        /* a browser that went away must not stop the others */
      }
    }
  }
}
