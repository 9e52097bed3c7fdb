// The address of the peer that sent a request, as the front door saw it. The API runs through
// `app.handle(request)` without a server of its own, so the front door records the address
// here and the API reads it; a header would be something a client could set.
const peers = new WeakMap<Request, string>()

export function rememberPeer(request: Request, server: { requestIP(r: Request): { address: string } | null }): void {
  const addr = server.requestIP(request)?.address
  if (addr) peers.set(request, addr)
}

/** The peer's address, or 'unknown' for a request that did not come through a front door. */
export function peerOf(request: Request): string {
  return peers.get(request) ?? 'unknown'
}

export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.')
}
