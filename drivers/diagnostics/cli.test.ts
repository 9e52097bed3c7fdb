// The servo tool against the byte-level simulator on a real pty, for both wires.
import { afterAll, describe, expect, test } from 'bun:test'
import { startBoardSimulator, startLxSimulator } from '../sim/pty-server.ts'
import { main } from './cli.ts'

async function run(args: string[]) {
  const out: string[] = []
  const code = await main(args, (s) => out.push(s))
  return { code, out: out.join('\n') }
}

describe('servo CLI on the LX bus', () => {
  const sim = startLxSimulator({ seed: 9 })
  // The simulator shares this process's CPU with the test: replies are late under load, not lost.
  const base = ['--protocol', 'lx', '--port', sim.path, '--gpio', 'none', '--yes', '--reply-ms', '250']
  afterAll(() => sim.stop())

  test('scan finds the sixteen servos and no others', async () => {
    const r = await run(['scan', '--ids', '1-18', ...base])
    expect(r.code).toBe(0)
    expect(r.out).toBe(`servos answering: ${Array.from({ length: 16 }, (_, i) => i + 1).join(', ')}`)
  })

  test('read reports every parameter of one servo', async () => {
    const r = await run(['read', '3', ...base])
    expect(r.code).toBe(0)
    const rep = JSON.parse(r.out)
    expect(rep).toMatchObject({ id: 3, torque: true, angle_limit: { min: 0, max: 1000 } })
    expect(Math.abs(rep.position - sim.device.model.positionOf(3))).toBeLessThanOrEqual(3)
    expect(rep.temperature_c).toBeGreaterThan(10)
    expect(rep.voltage_v).toBeGreaterThan(6)
    expect(await run(['read', '40', ...base])).toEqual({ code: 3, out: 'servo 40 does not answer' })
  })

  test('set-offset and limits write, save and read back', async () => {
    expect((await run(['set-offset', '5', '-12', ...base])).out).toBe('servo 5 offset saved: -12')
    expect((await run(['limits', '5', '100', '900', ...base])).out).toBe('servo 5 angle limits: 100-900')
    expect((await run(['limits', '5', ...base])).out).toBe('servo 5 angle limits: 100-900')
  })

  test('set-id refuses to duplicate an id, then changes one', async () => {
    expect((await run(['set-id', '16', '15', ...base])).code).toBe(4)
    const r = await run(['set-id', '16', '17', ...base])
    expect(r.out).toBe('servo 16 is now 17')
    expect((await run(['read', '17', ...base])).code).toBe(0)
    expect((await run(['read', '16', ...base])).code).toBe(3)
  })

  test('bad arguments are usage errors', async () => {
    await expect(main(['set-offset', '5', '200', ...base], () => {})).rejects.toThrow(/offset must be a whole number in -125..125/)
    await expect(main(['dance', ...base], () => {})).rejects.toThrow(/unknown command/)
  })
})

describe('servo CLI through the controller board', () => {
  const sim = startBoardSimulator({ seed: 9 })
  afterAll(() => sim.stop())

  test('scan and read', async () => {
    const base = ['--protocol', 'board', '--port', sim.path, '--yes', '--reply-ms', '250']
    const r = await run(['scan', '--ids', '1-17', ...base])
    expect(r.out).toContain('servos answering: 1, 2, 3')
    expect(r.out).not.toContain('17')
    const rep = JSON.parse((await run(['read', '2', ...base])).out)
    expect(rep.id).toBe(2)
    expect((await run(['set-offset', '2', '7', ...base])).out).toBe('servo 2 offset saved: 7')
  })
})
