// Free loopback ports, found by letting the kernel pick (bind port 0). A port found this way can
// still be taken by someone else before the service binds it, so callers retry on a clash
// (startWithFreePorts in service-process.ts) instead of trusting it.

import { createServer, type Server } from 'node:net'

const listen = (server: Server, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      const addr = server.address()
      if (addr && typeof addr === 'object') resolve(addr.port)
      else reject(new Error('no port from the kernel'))
    })
  })

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

/** `count` distinct free ports: all held open together, so the kernel cannot hand one out twice. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer())
  try {
    return await Promise.all(servers.map((s) => listen(s, host)))
  } finally {
    await Promise.all(servers.map((s) => (s.listening ? close(s) : Promise.resolve())))
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host)
  return port
}
