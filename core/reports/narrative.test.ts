import { describe, expect, test } from 'bun:test'
import type { NarrativeModel } from './model.ts'
import { MAX_NARRATIVE_CHARS, narrate } from './narrative.ts'

const model = (narrateFn: NarrativeModel['narrate']): NarrativeModel => ({ name: 'stand-in', narrate: narrateFn })

describe('narrative', () => {
  test("the model's text, trimmed", async () => {
    expect(
      await narrate(
        model(async () => '  All good.\n'),
        'p',
        { timeoutMs: 1000 },
      ),
    ).toEqual({ narrative: 'All good.', narrative_error: null })
  })

  test('no model: no narrative, and the reason given', async () => {
    expect(await narrate(null, 'p', { timeoutMs: 1000, missingModelReason: 'GEMINI_API_KEY is not set' })).toEqual({
      narrative: null,
      narrative_error: 'GEMINI_API_KEY is not set',
    })
  })

  test('a failing model: the error, on one bounded line', async () => {
    const out = await narrate(
      model(async () => {
        throw new Error(`HTTP 500 INTERNAL:\n${'x'.repeat(1000)}`)
      }),
      'p',
      { timeoutMs: 1000 },
    )
    expect(out.narrative).toBeNull()
    expect(out.narrative_error).toStartWith('the model (stand-in) failed: HTTP 500 INTERNAL: xxx')
    expect(out.narrative_error!.length).toBeLessThan(400)
  })

  test('a model that ignores its deadline still cannot hold the report past it', async () => {
    let sawAbort = false
    const stalls = model(
      (_, opts) =>
        new Promise((resolve) => {
          opts.signal?.addEventListener('abort', () => {
            sawAbort = true
          })
          setTimeout(() => resolve('too late'), 5_000).unref()
        }),
    )
    const t = performance.now()
    const out = await narrate(stalls, 'p', { timeoutMs: 150 })
    expect(performance.now() - t).toBeLessThan(1000)
    expect(out).toEqual({ narrative: null, narrative_error: 'the model (stand-in) did not answer within 150 ms' })
    expect(sawAbort).toBe(true)
  })

  test('empty answers and runaway answers', async () => {
    expect(
      (
        await narrate(
          model(async () => '   '),
          'p',
          { timeoutMs: 1000 },
        )
      ).narrative_error,
    ).toBe('the model (stand-in) returned no text')
    const long = (
      await narrate(
        model(async () => 'y'.repeat(MAX_NARRATIVE_CHARS * 2)),
        'p',
        { timeoutMs: 1000 },
      )
    ).narrative!
    expect(long.length).toBeLessThan(MAX_NARRATIVE_CHARS + 100)
    expect(long).toEndWith(`[narrative cut at ${MAX_NARRATIVE_CHARS} characters]`)
  })

  test('cancelled by the caller (the service stopping)', async () => {
    const ctrl = new AbortController()
    const waits = model(
      (_, opts) => new Promise((_, reject) => opts.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    )
    const p = narrate(waits, 'p', { timeoutMs: 5000, signal: ctrl.signal })
    ctrl.abort()
    expect((await p).narrative_error).toBe('the narrative was cancelled (the service is stopping)')
  })
})
