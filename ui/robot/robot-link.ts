// Whether what a page shows of its robot is live, and if not, why: the page's own connection
// (edge or hub) may be down, or, on the hub, the robot itself offline, never connected or
// revoked. Every view that shows a reading or offers a command asks this, so a last-known value
// is never shown as current and a command that cannot arrive is not offered.
import { ago } from '../lib/format.ts'
import { useObservable } from '../lib/observable.ts'
import type { LiveStatus } from '../live/live-connection.ts'
import type { RobotInfo, RobotSession } from './robot-session.ts'

export type RobotLinkState = 'live' | 'connecting' | 'lost' | 'offline' | 'never' | 'revoked'

export interface RobotLink {
  state: RobotLinkState
  /** Readings arrive as they are made. */
  live: boolean
  /** A command can reach the robot (on the edge, always: its e-stop must never wait on a page's socket). */
  canCommand: boolean
  /** Why the readings are not live, or why commands cannot reach the robot; null when they are and can. */
  reason: string | null
  /** Hub: when the robot was last heard. */
  lastSeen: number | null
}

export function robotLink(conn: LiveStatus, info: RobotInfo, robotId: string | null, heardAt: number | null = null, now = Date.now()): RobotLink {
  const server = robotId ? 'hub' : 'robot'
  const lost = conn.state === 'reconnecting' || conn.state === 'closed'
  if (robotId && info && info !== 'missing') {
    const lastSeen = Math.max(info.last_seen ?? 0, heardAt ?? 0) || null
    if (info.revoked)
      return {
        state: 'revoked',
        live: false,
        canCommand: false,
        lastSeen,
        reason: `${robotId}'s credential is revoked: it cannot connect until an admin issues a new one.`,
      }
    if (info.status === 'unknown' && lastSeen === null) {
      return {
        state: 'never',
        live: false,
        canCommand: false,
        lastSeen,
        reason: `${robotId} has never connected to this hub: there is nothing to show yet, and commands cannot reach it.`,
      }
    }
    if (info.status === 'offline' || info.status === 'unknown') {
      return {
        state: 'offline',
        live: false,
        canCommand: false,
        lastSeen,
        reason: `${robotId} is offline (last seen ${ago(lastSeen, now)}): the values shown are the last it sent, and commands cannot reach it.`,
      }
    }
    if (lost)
      return { state: 'lost', live: false, canCommand: true, lastSeen, reason: `The connection to the ${server} is lost: values shown may be out of date.` }
    return { state: conn.state === 'open' ? 'live' : 'connecting', live: conn.state === 'open', canCommand: true, lastSeen, reason: null }
  }
  if (lost)
    return {
      state: 'lost',
      live: false,
      canCommand: !robotId,
      lastSeen: null,
      reason: `The connection to the ${server} is lost: values shown may be out of date.`,
    }
  // Hub: until it says the robot is there, a command is not offered.
  return {
    state: conn.state === 'open' && !robotId ? 'live' : 'connecting',
    live: conn.state === 'open' && !robotId,
    canCommand: !robotId,
    lastSeen: null,
    reason: null,
  }
}

/** The link of this page's robot, redrawn when the connection or what the hub knows changes. */
export function useRobotLink(rs: RobotSession): RobotLink {
  const conn = useObservable(rs.live.status)
  const info = useObservable(rs.info)
  return robotLink(conn, info, rs.robotId, rs.heardAt)
}
