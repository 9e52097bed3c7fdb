import { describe, expect, test } from 'bun:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { acceptedCoding, compressResponse } from './compression.ts'

const req = (accept?: string, method = 'GET') =>
  new Request('http://robot/api/v1/x', { method, headers: accept === undefined ? {} : { 'accept-encoding': accept } })
const json = (body: unknown, init: ResponseInit = {}) => Response.json(body, init)
const big = { points: Array.from({ length: 500 }, (_, i) => ({ ts: 1_700_000_000_000 + i * 1000, cpu_percent: 20 + (i % 7), mem_percent: 22.5 })) }

describe('acceptedCoding', () => {
  test('brotli when accepted at least as gladly as gzip; q=0 and absence refuse; * counts', () => {
    expect(acceptedCoding(req('gzip, deflate, br'))).toBe('br')
    expect(acceptedCoding(req('gzip, deflate'))).toBe('gzip')
    expect(acceptedCoding(req('br;q=0.5, gzip'))).toBe('gzip')
    expect(acceptedCoding(req('br;q=0, gzip;q=0'))).toBeNull()
    expect(acceptedCoding(req('identity'))).toBeNull()
    expect(acceptedCoding(req('*'))).toBe('br')
    expect(acceptedCoding(req('*;q=0, gzip'))).toBe('gzip')
    expect(acceptedCoding(req(' GZIP ; q=1 '))).toBe('gzip')
    expect(acceptedCoding(req('gzip;q=nonsense'))).toBeNull()
    expect(acceptedCoding(req())).toBeNull()
  })
})

describe('compressResponse', () => {
  test('a large JSON answer: brotli or gzip as accepted, decoding to the same bytes, status and headers kept', async () => {
    const plain = JSON.stringify(big)
    const br = await compressResponse(req('gzip, br'), json(big, { status: 201, headers: { 'x-kept': 'yes' } }))
    expect(br.status).toBe(201)
    expect(br.headers.get('x-kept')).toBe('yes')
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('vary')).toBe('Accept-Encoding')
    const brBytes = new Uint8Array(await br.arrayBuffer())
    expect(brBytes.byteLength).toBeLessThan(plain.length / 5)
    expect(brotliDecompressSync(brBytes).toString()).toBe(plain)
    const gz = await compressResponse(req('gzip'), json(big))
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toBe(plain)
  })

  test('left as it is: no accepted coding (but Vary said), small bodies, HEAD, already encoded, not text', async () => {
    const none = await compressResponse(req(), json(big))
    expect(none.headers.get('content-encoding')).toBeNull()
    expect(none.headers.get('vary')).toBe('Accept-Encoding')
    expect(await none.json()).toEqual(big)
    const small = await compressResponse(req('br'), json({ ok: true }))
    expect(small.headers.get('content-encoding')).toBeNull()
    expect(await small.json()).toEqual({ ok: true })
    const head = json(big)
    expect(await compressResponse(req('br', 'HEAD'), head)).toBe(head)
    const encoded = new Response(Bun.gzipSync(new TextEncoder().encode(JSON.stringify(big))), {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    expect(await compressResponse(req('br'), encoded)).toBe(encoded)
    const pdf = new Response(new Uint8Array(5000), { headers: { 'content-type': 'application/pdf' } })
    expect(await compressResponse(req('br'), pdf)).toBe(pdf)
  })

  test('an existing Vary gains Accept-Encoding once; a strong ETag becomes weak', async () => {
    const r = await compressResponse(req('br'), json(big, { headers: { vary: 'Origin', etag: '"abc"' } }))
    expect(r.headers.get('vary')).toBe('Origin, Accept-Encoding')
    expect(r.headers.get('etag')).toBe('W/"abc"')
    const again = await compressResponse(req('br'), json(big, { headers: { vary: 'accept-encoding' } }))
    expect(again.headers.get('vary')).toBe('accept-encoding')
  })
})
