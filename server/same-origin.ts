// Which WebSocket handshakes come from a page of this site (the live feed, MQTT over WebSocket).

/**
 * A browser sends the page's Origin with every WebSocket handshake and lets any page open
 * one to any host: a socket from another site's page is refused. Clients that are not
 * browsers send no Origin and are judged by their credentials alone.
 */
export function sameOriginOrNone(req: Request): boolean {
  const origin = req.headers.get('origin')
  if (origin === null) return true
  try {
    return new URL(origin).host === req.headers.get('host')
  } catch {
    return false
  }
}
