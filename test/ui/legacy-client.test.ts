// The edge's dashboard on a robot whose hardware the earlier Python client still drives (the
// legacy-client profile, issue 15): an operator's e-stop pressed on the page reaches the client
// on its own topic, the client stops, and the page shows its confirmation; resume likewise.
import { describe, expect, test } from 'bun:test'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { EarlierClient } from '../support/legacy-client.ts'
import { browserSuite, TEST_MS } from './browser-suite.ts'
import { enterEdge, goTo, stopUiEdge } from './dashboard-page.ts'

let h: EdgeHarness
let robot: EarlierClient
const { ready, as, shot } = browserSuite({
  base: () => h.base,
  enter: enterEdge,
  start: async () => {
    h = await startTestEdge({ TONYPI_PROFILE: 'legacy-client', TONYPI_SERIAL_PORT: '/dev/tonypi-not-here', TONYPI_I2C_BUS: '/dev/tonypi-no-i2c' })
    robot = new EarlierClient({ url: `mqtt://127.0.0.1:${h.edge.mqttPort}`, robotId: 'testbot', hardware: true })
    await robot.waitConnected()
    robot.sendAll()
    await h.tokenFor('operator')
    await h.tokenFor('viewer')
  },
  stop: async () => {
    await robot?.stop()
    await stopUiEdge(h)
  },
  shotPrefix: 'legacy-',
})

describe('the dashboard of a robot the earlier client drives', () => {
  test(
    'an e-stop pressed on the page stops the earlier client and shows its confirmation; resume too',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await page.waitForSelector('[data-card=robot] :text("legacy-client")')
      await page.click('[data-action=estop]')
      await waitFor('the earlier client stopped', () => robot.emergencyStopped, 5000)
      expect(robot.commands.filter((c) => c.topic === 'tonypi/emergency_stop/testbot')).toHaveLength(1)
      await page.waitForSelector('[data-state=estopped]')
      // The client's own confirmation is the command's outcome, and the log shows it.
      await goTo(page, 'Logs')
      await page.waitForSelector('[data-card=logs] td:has-text("Emergency stop activated")')
      await shot(page, 'estop-confirmed')
      await page.click('[data-action=resume]')
      await waitFor('the earlier client resumed', () => !robot.emergencyStopped, 5000)
      await page.waitForSelector('[data-state=estopped]', { state: 'detached' })
      expect(errors).toEqual([])
    },
    TEST_MS,
  )
})
