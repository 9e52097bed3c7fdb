import { describe, expect, test } from 'bun:test'
import type { HttpError } from '../core/http-error.ts'
import { nestsDeeperThan, readJsonBody } from './body.ts'

const req = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://x/', { method: 'POST', body, headers })
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: HttpError) => `${e.status} ${e.message}`,
  )

describe('reading a JSON body within limits', () => {
  test('depth is counted outside strings only', () => {
    expect(nestsDeeperThan('[[[1]]]', 3)).toBe(false)
    expect(nestsDeeperThan('[[[[1]]]]', 3)).toBe(true)
    expect(nestsDeeperThan('{"a":"[[[[[[[[","b":"\\"[[[["}', 1)).toBe(false)
    expect(nestsDeeperThan('[{"a":[{}]}]', 3)).toBe(true)
  })

  test('declared length, counted length, depth, NUL, media type', async () => {
    const limits = { maxBytes: 100, maxDepth: 3 }
    expect(await refusal(readJsonBody(req('{}', { 'content-type': 'application/json', 'content-length': '101' }), limits))).toMatch(/^413/)
    // A body with no declared length, over the limit as it streams in.
    const stream = new ReadableStream({
      pull(c) {
        c.enqueue(new TextEncoder().encode('x'.repeat(60)))
      },
    })
    expect(await refusal(readJsonBody(req(stream), limits))).toMatch(/^413/)
    expect(await refusal(readJsonBody(req('[[[[1]]]]'), limits))).toMatch(/^400 .*nests deeper than 3/)
    expect(await refusal(readJsonBody(req('{"a":"x\\u0000y"}'), limits))).toMatch(/^400 .*NUL/)
    expect(await refusal(readJsonBody(req('{"a\\u0000":1}'), limits))).toMatch(/^400 .*NUL/)
    expect(await refusal(readJsonBody(req('{"a":1}', { 'content-type': 'text/plain' }), limits))).toMatch(/^415/)
    expect(await refusal(readJsonBody(req('{"a":'), limits))).toMatch(/^400 .*not valid JSON/)
    expect(await refusal(readJsonBody(req(new Uint8Array([0x7b, 0xff, 0x7d])), limits))).toMatch(/^400 .*UTF-8/)
    expect(await readJsonBody(req('{"a":[1,{"b":2}]}'), limits)).toEqual({ a: [1, { b: 2 }] })
    expect(await readJsonBody(req(null, {}), limits)).toBeNull()
  })
})
