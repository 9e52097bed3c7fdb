// People's roles, declared once: the API schema (core/schemas.ts), both databases' role
// columns, tokens and the dashboard take them from here. Free of TypeBox, so the browser bundle
// can import it.

/** Least first: each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]

export const isRole = (v: unknown): v is Role => (ROLES as readonly unknown[]).includes(v)

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed)
}
