// The simulated hat buffer on a real pty: a robot wired to BCM 27/4 answers a host that drives
// those pins, and stays silent to one that drives the wrong RX enable or none at all.
import { afterAll, describe, expect, test } from 'bun:test'
import { servoSpecs } from '../../core/servo-config.ts'
import { HatDriver } from '../hat/hat-driver.ts'
import { HIWONDER_HAT_PINS, HIWONDER_HAT_PINS_GPIO17, openHalfDuplexDirection, type HalfDuplexPins } from '../transports/half-duplex.ts'
import { MemoryGpioChip } from '../transports/memory.ts'
import { openSerialPort } from '../transports/uart.ts'
import { startLxSimulator } from './pty-server.ts'

const SERVOS = servoSpecs({ servoIds: '1-4' })

describe('a simulated TonyPi hat wired to BCM 27 (TX_CON) and 4 (RX_CON)', () => {
  const gpio = new MemoryGpioChip()
  const sim = startLxSimulator({ seed: 5, lx: { hat: { gpio, txEnable: 27, rxEnable: 4 } } })
  afterAll(() => sim.stop())

  async function readWith(pins: HalfDuplexPins | 'none') {
    const port = openSerialPort(sim.path, { baud: 115_200 })
    const direction = openHalfDuplexDirection(pins, gpio.open)
    const { driver } = await HatDriver.open({ port, direction, i2c: null, servos: SERVOS, bus: { replyTimeoutMs: 15, retries: 0 } })
    try {
      return [...(await driver.readPositions(SERVOS.map((s) => s.id))).values()]
    } finally {
      await driver.close()
    }
  }

  test('the right pins: every servo answers, and a move reaches the servos', async () => {
    const got = await readWith(HIWONDER_HAT_PINS)
    expect(got.every((p) => p !== null)).toBe(true)
  })

  test('the wrong RX enable (27,17): the servos answer, but the replies never reach the Pi', async () => {
    const before = { ...sim.device.stats }
    const got = await readWith(HIWONDER_HAT_PINS_GPIO17)
    expect(got).toEqual([null, null, null, null])
    expect(sim.device.stats.unheard).toBeGreaterThan(before.unheard)
    expect(sim.device.stats.undriven).toBe(before.undriven) // the requests did reach the bus
  })

  test('no direction control at all: the requests never reach the bus', async () => {
    const before = { ...sim.device.stats }
    const got = await readWith('none')
    expect(got).toEqual([null, null, null, null])
    expect(sim.device.stats.undriven).toBeGreaterThan(before.undriven)
  })

  test('a pulled-up RX enable left released lets a wrong pair hear the replies (why the field check holds it low)', async () => {
    gpio.setIdleLevel(4, 1)
    try {
      const got = await readWith(HIWONDER_HAT_PINS_GPIO17)
      expect(got.every((p) => p !== null)).toBe(true)
    } finally {
      gpio.setIdleLevel(4, 0)
    }
  })
})
