// The route x credential matrix, generated from an OpenAPI document: every operation says what
// it admits (`x-tonypi-auth`, written by server/auth-plugin.ts), and each is called with no
// credential, with broken tokens (expired, tampered, signed with another secret, alg none),
// with each role's token and with a robot's credential. A route added to the document is in
// the matrix without anyone editing this file; one that declares nothing fails it.
import { signToken } from '../../core/token.ts'
import { roleAtLeast, ROLES, type Role } from '../../core/roles.ts'
import { AUTH_EXTENSION, ROBOT_PARAM_EXTENSION } from '../../server/auth-plugin.ts'
import type { Need } from '../../server/principal.ts'

export interface Operation {
  method: string
  /** The OpenAPI path, e.g. /api/v1/users/{id}. */
  path: string
  needs: Need[] | null
  robotParam: string | null
  params: string[]
}

export function operations(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      needs: (op[AUTH_EXTENSION] as Need[] | undefined) ?? null,
      robotParam: (op[ROBOT_PARAM_EXTENSION] as string | undefined) ?? null,
      params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
    })),
  )
}

export type Caller =
  | { kind: 'none' }
  | { kind: 'expired' }
  | { kind: 'tampered' }
  | { kind: 'wrong-secret' }
  | { kind: 'alg-none' }
  | { kind: 'role'; role: Role }
  | { kind: 'robot' }
  | { kind: 'other-robot' }

export const BROKEN_TOKENS = ['expired', 'tampered', 'wrong-secret', 'alg-none'] as const

export function callers(opts: { robots: boolean }): Caller[] {
  return [
    { kind: 'none' },
    ...BROKEN_TOKENS.map((kind) => ({ kind })),
    ...ROLES.map((role) => ({ kind: 'role' as const, role })),
    { kind: 'robot' },
    ...(opts.robots ? [{ kind: 'other-robot' } as Caller] : []),
  ]
}

export const callerName = (c: Caller) => (c.kind === 'role' ? c.role : c.kind)

/**
 * What a caller must get: `refused` with 401 or 403, or `admitted` (anything but 401/403 and
 * never a 5xx: the request may still be refused for its content, a 400 or a 404).
 */
export function expected(op: Operation, c: Caller, side: { acceptsRobots: boolean }): 401 | 403 | 'admitted' {
  const needs = op.needs ?? []
  if (needs.includes('public')) return 'admitted'
  // The matrix calls from loopback, which the metrics need admits without a credential.
  if (needs.includes('metrics') && c.kind === 'none') return 'admitted'
  switch (c.kind) {
    case 'none':
    case 'expired':
    case 'tampered':
    case 'wrong-secret':
    case 'alg-none':
      return 401
    case 'role':
      return needs.some((n) => (ROLES as readonly string[]).includes(n) && roleAtLeast(c.role, n as Role)) ? 'admitted' : 403
    case 'robot':
    case 'other-robot':
      if (!side.acceptsRobots) return 401
      if (!needs.includes('robot')) return 403
      return c.kind === 'robot' || !op.robotParam ? 'admitted' : 403
  }
}

export interface MatrixTarget {
  base: string
  secret: string
  /** A stored user of each role: its id, name and current token version. */
  user(role: Role): { id: number; username: string; tokenVersion: number } | Promise<{ id: number; username: string; tokenVersion: number }>
  robot?: { id: string; username: string; token: string }
  otherRobotId?: string
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** The Authorization header of a caller (null: none). Tokens are minted from the stored user, fresh each time. */
export async function authorization(c: Caller, t: MatrixTarget): Promise<string | null> {
  const mint = async (role: Role, secret = t.secret, nowMs = Date.now()) => {
    const u = await t.user(role)
    return signToken({ sub: u.username, uid: u.id, role, ver: u.tokenVersion }, secret, 3600, nowMs)
  }
  switch (c.kind) {
    case 'none':
      return null
    case 'role':
      return `Bearer ${await mint(c.role)}`
    case 'expired':
      return `Bearer ${await mint('admin', t.secret, Date.now() - 2 * 3600_000)}`
    case 'wrong-secret':
      return `Bearer ${await mint('admin', 'another-secret-of-forty-characters-xxxxxx')}`
    case 'tampered': {
      const [h, body, sig] = (await mint('viewer')).split('.')
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString())
      return `Bearer ${h}.${b64({ ...claims, role: 'admin' })}.${sig}`
    }
    case 'alg-none': {
      const [, body] = (await mint('admin')).split('.')
      return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${body}.`
    }
    case 'robot':
    case 'other-robot': {
      const r = t.robot ?? { username: 'robot-nobody', token: 'not-a-credential' }
      return `Basic ${Buffer.from(`${r.username}:${r.token}`).toString('base64')}`
    }
  }
}

/** A concrete URL for an operation: ids that name nothing (so admitted calls change nothing), the robot's own id where it acts for itself. */
export function concretePath(op: Operation, c: Caller, t: MatrixTarget, fill: (param: string, path: string) => string): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, p: string) => {
    if (p === op.robotParam && t.robot) return c.kind === 'other-robot' ? (t.otherRobotId ?? 'someone-else') : t.robot.id
    return fill(p, op.path)
  })
}

export async function call(op: Operation, c: Caller, t: MatrixTarget, fill: (param: string, path: string) => string): Promise<Response> {
  const headers = new Headers()
  const a = await authorization(c, t)
  if (a) headers.set('authorization', a)
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE'
  if (hasBody) headers.set('content-type', 'application/json')
  return fetch(`${t.base}${concretePath(op, c, t, fill)}`, { method: op.method, headers, body: hasBody ? '{}' : undefined })
}

/** Calls one operation as every kind of caller; `got` equals `want` when each was answered as it must be. */
export async function checkOperation(op: Operation, t: MatrixTarget, fill: (param: string, path: string) => string, side: { acceptsRobots: boolean }) {
  const got: string[] = []
  const want: string[] = []
  for (const c of callers({ robots: side.acceptsRobots })) {
    const res = await call(op, c, t, fill)
    const exp = expected(op, c, side)
    const body = await res.text()
    const code = (() => {
      try {
        return JSON.parse(body).error
      } catch {
        return undefined
      }
    })()
    const ok =
      exp === 'admitted'
        ? res.status !== 401 && res.status !== 403 && res.status < 500
        : res.status === exp && code === (exp === 401 ? 'unauthorized' : 'forbidden')
    got.push(`${callerName(c)}: ${ok ? 'as expected' : `${res.status} ${body.slice(0, 120)}`}`)
    want.push(`${callerName(c)}: as expected`)
  }
  return { got, want }
}
