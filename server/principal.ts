// Who is on the other end of a request (or an MQTT connection) and what a route admits.
// Every kind has a `username` for the audit trail.
import { isRole, roleAtLeast, ROLES, type Role } from '../core/roles.ts'

export type UserPrincipal = { kind: 'user'; uid: number; username: string; role: Role; ver: number }
export type RobotPrincipal = { kind: 'robot'; robotId: string; username: string }

export type Principal =
  | UserPrincipal
  /** A robot with the credential `POST robots` issued for it (the hub only). */
  | RobotPrincipal
  /** The metrics reader: a token of the `metrics` scope, or a client on loopback. */
  | { kind: 'metrics'; via: 'token' | 'loopback'; username: 'metrics' }
  | { kind: 'anonymous'; username: 'anonymous' }

/**
 * What a route admits: `public` (everyone), a role (that role and every higher one), `robot`
 * (a robot's credential), `metrics` (the metrics scope or loopback).
 */
export type Need = 'public' | Role | 'robot' | 'metrics'
export const NEEDS: readonly Need[] = ['public', ...ROLES, 'robot', 'metrics']

export function admits(need: Need, p: Principal): boolean {
  if (need === 'public') return true
  if (isRole(need)) return p.kind === 'user' && roleAtLeast(p.role, need)
  return p.kind === need
}

/** Why `p` may not use a route that admits `needs` (for the 403's message). */
export function refusal(needs: readonly Need[], p: Principal): string {
  const roles = needs.filter(isRole)
  if (p.kind === 'robot') return roles.length ? `this needs the ${roles[0]} role; robots may not use it` : 'robots may not use this'
  if (roles.length) return `this needs the ${roles[0]} role`
  return `this is for ${needs.join(' or ')} only`
}
