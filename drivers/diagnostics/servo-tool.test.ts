import { expect, test } from 'bun:test'
import { someoneAnswers, type ServoTool } from './servo-tool.ts'

test('someoneAnswers: a reply missed twice (noise, a busy bus) does not pass for a free id', async () => {
  let asked = 0
  const tool = { scan: async (ids: readonly number[]) => (++asked >= 3 ? [...ids] : []) } as unknown as ServoTool
  expect(await someoneAnswers(tool, 15)).toBe(true)
  expect(asked).toBe(3)
  asked = -100
  expect(await someoneAnswers(tool, 15)).toBe(false) // nobody there: asked three times, then free
})
