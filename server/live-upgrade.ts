// Who may open the live WebSocket (edge and hub alike): a page of this site only, with a valid
// token offered as a subprotocol (core/live/protocol.ts) or in Authorization, never in the URL.
import { liveAuthorization } from '../core/live/protocol.ts'
import { userFromToken, type AuthSources } from './auth-plugin.ts'
import { sameOriginOrNone } from './same-origin.ts'
import type { UserPrincipal } from './principal.ts'

export type LiveUpgrade =
  | { ok: true; user: UserPrincipal; headers?: Record<string, string> }
  | { ok: false; status: 400 | 401 | 403; error: string; message: string }

export async function authorizeLiveUpgrade(req: Request, sources: AuthSources): Promise<LiveUpgrade> {
  if (!sameOriginOrNone(req)) return { ok: false, status: 403, error: 'forbidden', message: 'the live feed from another site is refused' }
  const auth = liveAuthorization(req)
  if (!auth.ok) return { ok: false, status: 400, error: 'invalid_request', message: auth.message }
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth.authorization ?? '')?.[1]
  const user = await userFromToken(bearer, sources)
  if (!user)
    return { ok: false, status: 401, error: 'unauthorized', message: 'a valid token is required (subprotocol tonypi.bearer.<token>, or Authorization)' }
  return { ok: true, user, headers: auth.headers }
}
