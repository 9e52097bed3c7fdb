// The one seam between reports and a language model: the report library asks for text and
// never learns which vendor's SDK answered, so a model can be swapped or faked in tests.

export interface NarrateOptions {
  /** The caller gives up after this long; implementations must stop waiting by then too. */
  timeoutMs: number
  signal?: AbortSignal
}

export interface NarrativeModel {
  /** Names the model in error messages ("gemini-2.5-flash"). */
  readonly name: string
  narrate(prompt: string, opts: NarrateOptions): Promise<string>
}
