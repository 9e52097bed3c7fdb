import { afterEach, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { BoardFrameDecoder, BoardFunc, LxFrameDecoder, decodePosReply, encodePosRead } from '../codecs/index.ts'
import { openSerialPort, readExact } from '../transports/index.ts'
import { edgeEnv, parseCliArgs, runCommand } from './cli.ts'
import { startSimulator, type SimulatorServer } from './pty-server.ts'

describe('sim CLI arguments', () => {
  test('protocol is required; baud defaults per protocol; seed defaults to 1', () => {
    expect(parseCliArgs(['--protocol', 'lx'])).toEqual({ protocol: 'lx', baud: 115200, seed: 1 })
    expect(parseCliArgs(['--protocol', 'board', '--seed', '9'])).toEqual({ protocol: 'board', baud: 1_000_000, seed: 9 })
    expect(parseCliArgs(['--protocol', 'lx', '--baud', '57600']).baud).toBe(57600)
    expect(() => parseCliArgs([])).toThrow(/--protocol must be lx or board/)
    expect(() => parseCliArgs(['--protocol', 'lx', '--baud', 'fast'])).toThrow(/--baud/)
    expect(() => parseCliArgs(['--protocol', 'lx', '--bogus'])).toThrow()
  })

  test('prints the environment for the matching edge profile', () => {
    expect(edgeEnv({ protocol: 'lx', baud: 115200, seed: 1 }, '/dev/pts/7')).toBe(
      'TONYPI_PROFILE=tonypi-hat TONYPI_SERIAL_PORT=/dev/pts/7 TONYPI_I2C_BUS=none TONYPI_GPIO=none',
    )
    expect(edgeEnv({ protocol: 'board', baud: 1_000_000, seed: 1 }, '/dev/pts/7')).toBe('TONYPI_PROFILE=tonypi-board TONYPI_SERIAL_PORT=/dev/pts/7')
    expect(edgeEnv({ protocol: 'board', baud: 115200, seed: 1 }, '/dev/pts/7')).toContain('TONYPI_SERIAL_BAUD=115200')
  })
})

describe('sim CLI commands', () => {
  let server: SimulatorServer | null = null
  afterEach(async () => {
    await server?.stop()
    server = null
  })

  test('fault and motion commands reach the faults and the model', () => {
    server = startSimulator({ protocol: 'lx' })
    expect(runCommand(server, 'silent 3')).toContain('3')
    expect(server.faults.isSilent(3)).toBe(true)
    runCommand(server, 'answer 3')
    expect(server.faults.isSilent(3)).toBe(false)
    expect(runCommand(server, 'silent 99')).toContain('no servo')
    runCommand(server, 'pull')
    expect(server.faults.cable).toBe('pulled')
    runCommand(server, 'plug')
    expect(server.faults.cable).toBe('connected')
    runCommand(server, 'corrupt 2')
    expect(server.faults.mangle(Uint8Array.of(0x55, 0x55, 1, 3, 1, 0))).not.toEqual(Uint8Array.of(0x55, 0x55, 1, 3, 1, 0))
    runCommand(server, 'fall back')
    expect(runCommand(server, 'fall sideways')).toContain('front|back')
    expect(runCommand(server, 'help')).toContain('silent')
    expect(runCommand(server, 'xyzzy')).toContain('unknown')
  })
})

describe('the CLI as a process', () => {
  test('prints the pty path and env, serves LX reads on it, exits cleanly on SIGINT', async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, 'cli.ts'), '--protocol', 'lx', '--seed', '4'], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    try {
      const reader = proc.stdout.getReader()
      let text = ''
      const deadline = Date.now() + 10_000
      while (!/TONYPI_SERIAL_PORT=(\S+)/.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
      const path = /TONYPI_SERIAL_PORT=(\S+)/.exec(text)?.[1]
      expect(text).toContain('TONYPI_PROFILE=tonypi-hat')
      expect(path).toMatch(/^\/dev\/pts\/\d+$/)
      const port = openSerialPort(path!, { baud: 115200 })
      try {
        await port.write(encodePosRead(2))
        const [f] = new LxFrameDecoder().push(await readExact(port, 8, 2000))
        expect(Math.abs(decodePosReply(f) - 390)).toBeLessThanOrEqual(2) // stand pose, servo 2
      } finally {
        port.close()
      }
      proc.kill('SIGINT')
      expect(await proc.exited).toBe(0)
    } finally {
      proc.kill('SIGKILL')
    }
  })

  test('the board CLI streams IMU packets on its pty', async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, 'cli.ts'), '--protocol', 'board'], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    try {
      const reader = proc.stdout.getReader()
      let text = ''
      while (!/TONYPI_SERIAL_PORT=(\S+)/.test(text)) {
        const { value, done } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
      const path = /TONYPI_SERIAL_PORT=(\S+)/.exec(text)![1]
      expect(text).toContain('TONYPI_PROFILE=tonypi-board')
      const port = openSerialPort(path, { baud: 1_000_000 })
      try {
        const decoder = new BoardFrameDecoder()
        const frames = decoder.push(await readExact(port, 29 * 3, 2000))
        expect(frames.some((f) => f.func === BoardFunc.IMU)).toBe(true)
      } finally {
        port.close()
      }
      proc.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
    } finally {
      proc.kill('SIGKILL')
    }
  })
})
