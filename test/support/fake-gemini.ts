// A local stand-in for the Gemini API's generateContent, so report tests run the real SDK
// against a real HTTP server. It answers POST /{version}/models/{model}:generateContent in the
// REST shape (candidates[0].content.parts[].text, finishReason, usageMetadata), records every
// request, and can fail (HTTP 500 with the API's error JSON) or stall (for timeouts).
// @google/genai 3.x calls the stable v1 by default (1.x called v1beta): any version is served
// and recorded, so a test can pin which one the SDK uses.

export type FakeGeminiMode = 'ok' | 'error' | 'slow'

export interface FakeGeminiRequest {
  path: string
  version: string
  model: string
  apiKey: string | null
  body: { contents?: { role?: string; parts?: { text?: string }[] }[]; generationConfig?: Record<string, unknown> }
  /** The text of all parts of all contents: the prompt. */
  prompt: string
}

export interface FakeGemini {
  url: string
  mode: FakeGeminiMode
  /** How long 'slow' waits before answering. */
  slowMs: number
  /** The narrative 'ok' answers with. */
  answer: string
  requests: FakeGeminiRequest[]
  stop(): void
}

const PATH = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):generateContent$/

export function startFakeGemini(): FakeGemini {
  const fake: FakeGemini = {
    url: '',
    mode: 'ok',
    slowMs: 10_000,
    requests: [],
    answer: 'NARRATIVE: Servo temperatures stayed flat.\n\nRECOMMENDATIONS:\n1. Keep monitoring.',
    stop: () => server.stop(true),
  }
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const path = new URL(req.url).pathname
      const m = PATH.exec(path)
      if (req.method !== 'POST' || !m) return Response.json({ error: { code: 404, message: `no route ${path}`, status: 'NOT_FOUND' } }, { status: 404 })
      const body = (await req.json()) as FakeGeminiRequest['body']
      const prompt = (body.contents ?? [])
        .flatMap((c) => c.parts ?? [])
        .map((p) => p.text ?? '')
        .join('')
      fake.requests.push({ path, version: m[1], model: decodeURIComponent(m[2]), apiKey: req.headers.get('x-goog-api-key'), body, prompt })
      if (fake.mode === 'error') {
        return Response.json({ error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } }, { status: 500 })
      }
      if (fake.mode === 'slow') {
        // The slowness is the fault this mode fakes; it ends early when the client hangs up, so a timed-out test leaves nothing behind.
        await Promise.race([Bun.sleep(fake.slowMs), new Promise((r) => req.signal.addEventListener('abort', r, { once: true }))])
      }
      return Response.json({
        candidates: [{ content: { role: 'model', parts: [{ text: fake.answer }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: Math.ceil(prompt.length / 4), candidatesTokenCount: Math.ceil(fake.answer.length / 4), totalTokenCount: 0 },
        modelVersion: decodeURIComponent(m[2]),
      })
    },
  })
  fake.url = `http://127.0.0.1:${server.port}`
  return fake
}
