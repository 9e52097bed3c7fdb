import { describe, expect, test } from 'bun:test'
import { LIVE_PROTOCOL, liveAuthorization, liveProtocols, parseLiveRequest } from './protocol.ts'

const upgrade = (url: string, headers: Record<string, string> = {}) => new Request(`http://robot${url}`, { headers })

describe('liveAuthorization', () => {
  test('the token from the bearer subprotocol, answered with the feed protocol (never the token)', () => {
    const a = liveAuthorization(upgrade('/api/v1/live', { 'sec-websocket-protocol': liveProtocols('aaa.bbb.ccc').join(', ') }))
    expect(a).toEqual({ ok: true, authorization: 'Bearer aaa.bbb.ccc', headers: { 'Sec-WebSocket-Protocol': LIVE_PROTOCOL } })
  })

  test('the Authorization header for clients that can send one', () => {
    expect(liveAuthorization(upgrade('/api/v1/live', { authorization: 'Bearer x.y.z' }))).toEqual({
      ok: true,
      authorization: 'Bearer x.y.z',
      headers: undefined,
    })
    expect(liveAuthorization(upgrade('/api/v1/live'))).toEqual({ ok: true, authorization: null, headers: undefined })
  })

  test('refused with the reason: a token in the URL, a bearer subprotocol without the feed protocol', () => {
    const inUrl = liveAuthorization(upgrade('/api/v1/live?robot_id=a&token=x.y.z'))
    expect(inUrl.ok).toBe(false)
    expect(!inUrl.ok && inUrl.message).toContain('a token in the URL is refused')
    const alone = liveAuthorization(upgrade('/api/v1/live', { 'sec-websocket-protocol': 'tonypi.bearer.x.y.z' }))
    expect(alone).toEqual({ ok: false, message: `offer ${LIVE_PROTOCOL} beside the bearer subprotocol` })
  })
})

describe('parseLiveRequest', () => {
  test('rates per stream, 0..100 a second', () => {
    expect(parseLiveRequest('{"type":"rate","hz":{"servos":10,"imu":0}}')).toEqual({ ok: true, request: { type: 'rate', hz: { servos: 10, imu: 0 } } })
    expect(parseLiveRequest('{"type":"rate","hz":{}}')).toEqual({ ok: true, request: { type: 'rate', hz: {} } })
  })

  test('anything else is refused with what was wrong', () => {
    const reason = (t: string) => {
      const r = parseLiveRequest(t)
      return r.ok ? null : r.message
    }
    expect(reason('{')).toContain('JSON')
    expect(reason('{"type":"subscribe"}')).toContain('the one live request')
    expect(reason('{"type":"rate","hz":[1]}')).toContain('hz: an object')
    expect(reason('{"type":"rate","hz":{"servos":-1}}')).toBe('hz.servos: a number of messages a second, 0..100')
    expect(reason('{"type":"rate","hz":{"servos":"10"}}')).toBe('hz.servos: a number of messages a second, 0..100')
    expect(reason('{"type":"rate","hz":{"__proto__":1}}')).not.toBeNull()
  })
})
