// Google Gemini behind NarrativeModel, through @google/genai (Google's maintained Gen AI SDK;
// the older @google/generative-ai reached end of support on 2025-08-31).
//
// The SDK takes the endpoint as `httpOptions.baseUrl` and a per-request `httpOptions.timeout`
// (ms) and `config.abortSignal` (see HttpOptions and GenerateContentConfig in its genai.d.ts),
// and sends POST {baseUrl}/{apiVersion}/models/{model}:generateContent with x-goog-api-key;
// 3.x defaults apiVersion to the stable "v1" for the Gemini API. It retries only when
// `retryOptions` is set, which we leave unset: the report has its own deadline, and a retry
// after a 5xx would spend it.
import type { GoogleGenAI } from '@google/genai'

// The SDK is loaded on the first report, not at start: it is large, and a robot's memory
// budget (80 MB RSS) is spent by then on what runs all the time.
const sdk = () => import('@google/genai')
import type { NarrateOptions, NarrativeModel } from '../../core/reports/model.ts'

export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash'

export interface GeminiOptions {
  apiKey: string
  /** Another endpoint that speaks the Gemini API (a proxy, or a local stand-in in tests). */
  baseUrl?: string
  model?: string
  /**
   * Bounds the answer. Gemini 2.5 models count their thinking against it, so it is set well
   * above what a narrative and a list of recommendations need.
   */
  maxOutputTokens?: number
}

interface Part {
  text?: string
  thought?: boolean
}
interface Candidate {
  content?: { parts?: Part[] }
  finishReason?: string
}

export class GeminiNarrativeModel implements NarrativeModel {
  readonly name: string
  private ai: GoogleGenAI | null = null
  private readonly maxOutputTokens: number

  constructor(private readonly opts: GeminiOptions) {
    this.name = opts.model ?? DEFAULT_GEMINI_MODEL
    this.maxOutputTokens = opts.maxOutputTokens ?? 8192
  }

  private async client(): Promise<GoogleGenAI> {
    if (!this.ai) {
      const { GoogleGenAI } = await sdk()
      this.ai = new GoogleGenAI({ apiKey: this.opts.apiKey, ...(this.opts.baseUrl ? { httpOptions: { baseUrl: this.opts.baseUrl } } : {}) })
    }
    return this.ai
  }

  async narrate(prompt: string, opts: NarrateOptions): Promise<string> {
    let res
    const { ApiError } = await sdk()
    try {
      const ai = await this.client()
      res = await ai.models.generateContent({
        model: this.name,
        contents: prompt,
        config: {
          abortSignal: opts.signal,
          httpOptions: { timeout: opts.timeoutMs },
          // Low temperature: the text restates figures; invention is the failure to avoid.
          temperature: 0.2,
          maxOutputTokens: this.maxOutputTokens,
        },
      })
    } catch (err) {
      throw new Error(describeApiError(err, ApiError), { cause: err })
    }
    const candidate = (res.candidates as Candidate[] | undefined)?.[0]
    // Text parts only, thoughts skipped (the SDK's `text` getter does the same, but warns on stdout).
    const text = (candidate?.content?.parts ?? [])
      .filter((p) => typeof p.text === 'string' && !p.thought)
      .map((p) => p.text)
      .join('')
    if (!text.trim()) {
      const why = candidate?.finishReason ?? (res.promptFeedback?.blockReason ? `prompt blocked: ${res.promptFeedback.blockReason}` : 'no candidates')
      throw new Error(`no text in the answer (${why})`)
    }
    return text
  }
}

/** "HTTP 500 INTERNAL: backend exploded" from the SDK's ApiError, whose message is the JSON body. */
function describeApiError(err: unknown, ApiError: typeof import('@google/genai').ApiError): string {
  if (err instanceof ApiError) {
    try {
      const body = JSON.parse(err.message) as { error?: { message?: string; status?: string } }
      const e = body.error ?? {}
      return `HTTP ${err.status}${e.status ? ` ${e.status}` : ''}: ${e.message ?? 'no message'}`
    } catch {
      return `HTTP ${err.status}: ${err.message}`
    }
  }
  if ((err as { name?: string } | null)?.name === 'AbortError') return 'request aborted'
  return err instanceof Error ? err.message : String(err)
}
