// The edge's embedded broker: every topic x every kind of client (publish and subscribe), and
// the week's MQTT findings against it (issue 11).
import { afterAll, describe, expect, test } from 'bun:test'
import type mqtt from 'mqtt'
import type { Role } from '../../core/schemas.ts'
import { ROBOT_CHANNELS } from '../../core/topics.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { connectMqtt, oversizedConnectIsCut, publishOutcome } from './probes.ts'

type Who = 'local' | Role
const SELF = 'testbot'
const OTHER = 'otherbot'

/** The policy, written out: who may publish where (README, MQTT). Everything else is refused. */
function mayPublish(who: Who, topic: string): boolean {
  const operator = who === 'operator' || who === 'admin'
  const robotItself = who === 'local' || who === 'admin'
  if (topic === `tonypi/${SELF}/command/request`) return operator
  if (topic === `tonypi/${SELF}/job`) return robotItself
  if (topic.startsWith(`tonypi/${SELF}/`) || topic.startsWith(`tonypi/${OTHER}/`)) return false
  if (
    /^tonypi\/(sensors|servos|status|logs|job)\/testbot$/.test(topic) ||
    topic === 'tonypi/battery' ||
    topic === 'tonypi/location' ||
    topic === 'tonypi/commands/response'
  )
    return robotItself
  if (
    topic === `tonypi/commands/${SELF}` ||
    topic === 'tonypi/commands/broadcast' ||
    topic === `tonypi/emergency_stop/${SELF}` ||
    topic === 'tonypi/emergency_stop/broadcast'
  )
    return operator
  if (topic === 'tonypi/system/broadcast') return who === 'admin'
  return false
}

const TOPICS = [
  ...ROBOT_CHANNELS.map((c) => `tonypi/${SELF}/${c}`),
  ...ROBOT_CHANNELS.map((c) => `tonypi/${OTHER}/${c}`),
  ...['sensors', 'servos', 'status', 'logs', 'job'].flatMap((r) => [`tonypi/${r}/${SELF}`, `tonypi/${r}/${OTHER}`]),
  'tonypi/battery',
  'tonypi/location',
  'tonypi/commands/response',
  `tonypi/commands/${SELF}`,
  `tonypi/commands/${OTHER}`,
  'tonypi/commands/broadcast',
  `tonypi/emergency_stop/${OTHER}`,
  'tonypi/system/broadcast',
  'tonypi/system/alerts',
  'elsewhere/topic',
]
// Harmless payloads: a command that is no motion, malformed telemetry (dropped after the broker took it).
const payload = (topic: string) => (topic.includes('command') ? '{"type":"buzzer_nope"}' : '{"nothing":true}')

const h: EdgeHarness = await startTestEdge()
afterAll(() => h.stop())
const tokens = { admin: await h.tokenFor('admin'), operator: await h.tokenFor('operator'), viewer: await h.tokenFor('viewer') }

const url = () => `mqtt://127.0.0.1:${h.edge.mqttPort}`
const login = (who: Who): mqtt.IClientOptions => (who === 'local' ? {} : { username: who, password: tokens[who as Role] })

describe('every topic x every client of the edge broker', () => {
  for (const who of ['local', 'viewer', 'operator', 'admin'] as Who[]) {
    test(`publish as ${who}`, async () => {
      const got: string[] = []
      const want: string[] = []
      let c = await connectMqtt(url(), login(who))
      for (const topic of TOPICS) {
        const outcome = await publishOutcome(c, topic, payload(topic))
        got.push(`${topic}: ${outcome}`)
        want.push(`${topic}: ${mayPublish(who, topic) ? 'accepted' : 'refused'}`)
        if (outcome === 'refused') c = await connectMqtt(url(), login(who))
      }
      c.end(true)
      expect(got).toEqual(want)
    })

    test(`subscribe as ${who}`, async () => {
      const c = await connectMqtt(url(), login(who))
      const ok: Record<string, boolean> = {}
      for (const f of ['tonypi/#', `tonypi/${SELF}/servos`, '$SYS/#', 'elsewhere/#', '#']) {
        ok[f] = await c.subscribeAsync(f).then(
          (g) => g[0].qos !== 128,
          () => false,
        )
      }
      c.end(true)
      expect(ok).toEqual({ 'tonypi/#': true, [`tonypi/${SELF}/servos`]: true, '$SYS/#': who === 'admin', 'elsewhere/#': false, '#': true })
    })
  }

  test('MQTT over WebSocket: no anonymous client, and none from another site', async () => {
    const ws = `ws://127.0.0.1:${h.edge.httpPort}/mqtt`
    const anon = await connectMqtt(ws, {}).then(
      () => 'connected',
      (e: Error) => e.message,
    )
    expect(anon).toMatch(/Not authorized/i)
    const foreign = await fetch(`http://127.0.0.1:${h.edge.httpPort}/mqtt`, {
      headers: {
        origin: 'http://evil.example',
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
      },
    })
    expect(foreign.status).toBe(403)
    const c = await connectMqtt(ws, { username: 'viewer', password: tokens.viewer, wsOptions: { headers: { origin: `http://127.0.0.1:${h.edge.httpPort}` } } })
    c.end(true)
  })
})

describe("the edge broker's findings", () => {
  test("a demoted operator's open session can no longer command; a deleted one's session ends", async () => {
    const admin = tokens.admin!
    for (const change of ['demote', 'delete'] as const) {
      const name = `mqtt-${change}`
      const u = await (
        await h.api('/api/v1/users', { token: admin, method: 'POST', json: { username: name, password: `${name}-password`, role: 'operator' } })
      ).json()
      const c = await connectMqtt(url(), { username: name, password: `${name}-password` })
      expect(await publishOutcome(c, `tonypi/${SELF}/command/request`, JSON.stringify({ id: `${name}-1`, type: 'stop' }))).toBe('accepted')
      await waitFor('first stop recorded', () => h.edge.ctx.commands.get(`${name}-1`))
      let closed = false
      c.on('close', () => {
        closed = true
      })
      const r =
        change === 'demote'
          ? await h.api(`/api/v1/users/${u.id}`, { token: admin, method: 'PUT', json: { role: 'viewer' } })
          : await h.api(`/api/v1/users/${u.id}`, { token: admin, method: 'DELETE' })
      expect(r.status).toBe(200)
      await waitFor(`session ended after ${change}`, () => closed)
      // Had it stayed open, this is what it would send: refused, and nothing executed.
      const again = await connectMqtt(url(), { username: name, password: `${name}-password` }).catch(() => null)
      if (again) {
        expect(await publishOutcome(again, `tonypi/${SELF}/command/request`, JSON.stringify({ id: `${name}-2`, type: 'stop' }))).toBe('refused')
        again.end(true)
      }
      expect(h.edge.ctx.commands.get(`${name}-2`)).toBeNull()
    }
  })

  test('password guessing over MQTT is throttled: after a few failures even the right password waits', async () => {
    await h.api('/api/v1/users', { token: tokens.admin, method: 'POST', json: { username: 'guessed', password: 'guessed-password', role: 'viewer' } })
    let refusedFast = 0
    for (let i = 0; i < 12; i++) {
      const err = await connectMqtt(url(), { username: 'guessed', password: `wrong-${i}` }).then(
        (c) => {
          c.end(true)
          return null
        },
        (e: Error) => e,
      )
      if (err && /Not authorized/i.test(err.message)) refusedFast++
    }
    expect(refusedFast).toBeGreaterThan(0)
    await expect(connectMqtt(url(), { username: 'guessed', password: 'guessed-password' })).rejects.toThrow(/Not authorized/i)
  })

  test('a CONNECT declaring megabytes is cut off before authentication (RSS grew 88 MB with three)', async () => {
    const before = h.edge.ctx.broker.counters.oversized_packets
    expect(await oversizedConnectIsCut(h.edge.mqttPort, 5 * 1024 * 1024, 64 * 1024)).toBe(true)
    expect(h.edge.ctx.broker.counters.oversized_packets).toBe(before + 1)
    // An ordinary client is unaffected.
    ;(await connectMqtt(url(), { username: 'viewer', password: tokens.viewer })).end(true)
  })

  test("a local client's servo reading outside the servo's range is dropped, not stored as position 1611", async () => {
    const c = await connectMqtt(url(), {})
    const before = h.edge.ctx.inbound.droppedTotal()
    await publishOutcome(c, `tonypi/servos/${SELF}`, JSON.stringify({ robot_id: SELF, servos: { servo_1: { id: 1, position: 200 } } }))
    await waitFor('dropped', () => h.edge.ctx.inbound.droppedTotal() > before)
    c.end(true)
    expect([...h.edge.ctx.inbound.dropped.keys()].some((k) => k.includes('outside -90..90'))).toBe(true)
  })
})
