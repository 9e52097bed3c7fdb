// The attack of issue 11, as a process of its own (so building its bodies costs the edge
// nothing): without a token, 2 MB and 10 MB JSON arrays (over the server's 1 MiB limit), a
// 900 KB one (under it: it reaches the auth layer), 100 KB nested 50,000 deep, and bodies
// that trickle in and never end; with an operator's token, bodies far over the command's
// limit. Each kind runs on its own connections, back to back, until the process is killed.
// Usage: bun bench/estop-attacker.ts <port> <operator token>; prints its counts on SIGTERM.
import net from 'node:net'

const [port, token] = [Number(process.argv[2]), process.argv[3]]
const counts: Record<string, number> = {}
const count = (k: string) => {
  counts[k] = (counts[k] ?? 0) + 1
}

const array900kb = '[' + '{"a":1},'.repeat(115_000) + '1]'
const array2mb = '[' + '{"a":1},'.repeat(262_143) + '1]'
const array10mb = '[' + '{"a":1},'.repeat(1_310_719) + '1]'
const deep = '['.repeat(50_000) + ']'.repeat(50_000)

async function flood(kind: string, body: string, auth: boolean) {
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/command`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      })
      await r.arrayBuffer()
      count(`${kind} ${r.status}`)
    } catch {
      count(`${kind} error`)
    }
  }
}

/** A body that arrives a few bytes at a time and never ends; a new one when the server answers. */
function trickle() {
  const s = net.connect(port, '127.0.0.1')
  s.on('data', () => {
    count('trickle answered')
    s.destroy()
  })
  s.on('close', () => setTimeout(trickle, 10))
  s.on('error', () => {})
  s.write('POST /api/v1/command HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n')
  const timer = setInterval(() => {
    if (!s.destroyed) s.write('1\r\n[\r\n')
    else clearInterval(timer)
  }, 20)
}

process.on('SIGTERM', () => {
  process.stdout.write(JSON.stringify(counts) + '\n')
  process.exit(0)
})
void flood('900 KB array, no token', array900kb, false)
void flood('2 MB array, no token', array2mb, false)
void flood('10 MB array, no token', array10mb, false)
void flood('100 KB nested 50,000 deep, no token', deep, false)
void flood('2 MB array, operator', array2mb, true)
for (let i = 0; i < 4; i++) trickle()
