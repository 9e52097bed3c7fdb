// The collector alone, reading the simulated robot onto a bus: what each stream carries,
// health one servo per slot, a silent servo said once each way, the clock it stamps with,
// and nothing after stop.
import { tapBus, type BusMessage } from '../../support/bus-tap.ts'
import { afterEach, describe, expect, test } from 'bun:test'
import type { Sample } from '../../../core/streams.ts'
import { batteryPercent } from '../../../core/units.ts'
import { SimDriver } from '../../../drivers/sim/sim-driver.ts'
import { Collector, performanceValues, type CollectorRates } from '../../../edge/collector.ts'
import { SampleBus } from '../../../edge/sample-bus.ts'
import { createLogger } from '../../../core/log.ts'
import type { PerformanceSample } from '../../../drivers/pi/types.ts'
import { waitFor } from '../../support/edge-harness.ts'

const log = createLogger({ level: 'error', sink: () => {} })
const FAST: CollectorRates = { servoPositionHz: 100, servoHealthHz: 5, imuHz: 100, batteryHz: 20, performanceHz: 1 }
const running: Collector[] = []
afterEach(() => {
  for (const c of running.splice(0)) c.stop()
})

function collect(rates: Partial<CollectorRates> = {}, now?: () => number) {
  const driver = new SimDriver({ seed: 3 })
  const bus = new SampleBus(log)
  const seen: BusMessage[] = []
  tapBus(bus, (m) => {
    seen.push(m)
  })
  const c = new Collector(driver, bus, { ...FAST, ...rates }, { pack: '2S', performance: null, log, now })
  running.push(c)
  c.start()
  const samples = (stream: string) => seen.flatMap((m) => (m.kind === 'samples' ? m.samples.filter((s) => s.stream === stream) : []))
  const sweeps = () => seen.flatMap((m) => (m.kind === 'samples' && m.samples[0]?.values.position !== undefined ? [m.samples] : []))
  const events = (name: string) => seen.flatMap((m) => (m.kind === 'event' && m.event === name ? [m] : []))
  return { driver, c, seen, samples, sweeps, events }
}

describe('Collector', () => {
  test('a position sweep is one bus message with every servo, stamped once, matching the robot', async () => {
    const { driver, sweeps } = collect()
    const [sweep] = await waitFor('a sweep', () => sweeps()[0] && sweeps())
    expect(sweep.map((s) => s.source)).toEqual(driver.servos.map((s) => String(s.id)))
    expect(new Set(sweep.map((s) => s.ts)).size).toBe(1)
    for (const s of sweep) {
      expect(Object.keys(s.values)).toEqual(['position'])
      expect(Math.abs(s.values.position - driver.model.readPosition(Number(s.source)))).toBeLessThanOrEqual(5)
    }
  })

  test('health is read one servo per slot, round robin, with torque as 1 or 0', async () => {
    const { driver, samples } = collect({ servoHealthHz: 10 })
    const health = () => samples('servos').filter((s) => s.values.temperature_c !== undefined)
    const first = await waitFor('one health read of every servo', () => (health().length >= 16 ? health().slice(0, 16) : null))
    expect(first.map((s) => Number(s.source))).toEqual(driver.servos.map((s) => s.id))
    for (const s of first) {
      expect(Object.keys(s.values).sort()).toEqual(['temperature_c', 'torque', 'voltage_v'])
      expect(s.values.torque).toBe(1)
      expect(Math.abs(s.values.temperature_c - driver.model.readTemperature(Number(s.source)))).toBeLessThanOrEqual(1)
    }
  })

  test('IMU and battery readings carry their fields, the battery its percentage for the pack', async () => {
    const { samples } = collect()
    const imu = await waitFor('an IMU reading', () => samples('imu')[0])
    expect(Object.keys(imu.values).sort()).toEqual(['ax', 'ay', 'az', 'gx', 'gy', 'gz', 'temp_c'])
    expect(Math.hypot(imu.values.ax, imu.values.ay, imu.values.az)).toBeGreaterThan(8) // gravity, in m/s²
    const battery = await waitFor('a battery reading', () => samples('battery')[0])
    expect(battery.values.percent).toBe(batteryPercent(battery.values.voltage_v, '2S'))
    expect(battery.values.voltage_v).toBeGreaterThan(6)
  })

  test('a servo that stops answering: one servo.silent after three sweeps, one servo.recovered when it answers', async () => {
    const { driver, seen, sweeps, events } = collect()
    await waitFor('a sweep', () => sweeps().length)
    driver.model.setSilent(5, true)
    await waitFor('servo.silent', () => events('servo.silent').length)
    // Raised during the third sweep without servo 5, before that sweep's samples go out.
    const raisedAt = seen.findIndex((m) => m.kind === 'event' && m.event === 'servo.silent')
    const lastWith = seen.findLastIndex(
      (m, i) => i < raisedAt && m.kind === 'samples' && m.samples.some((x) => x.source === '5' && x.values.position !== undefined),
    )
    const without = seen.slice(lastWith + 1, raisedAt).filter((m) => m.kind === 'samples' && m.samples[0]?.values.position !== undefined)
    expect(without).toHaveLength(2)
    const at = sweeps().length
    await waitFor('ten more sweeps', () => sweeps().length >= at + 10)
    expect(events('servo.silent').map((e) => e.data)).toEqual([{ servo_id: 5, message: 'servo 5 does not answer' }])
    expect(events('servo.silent')[0].level).toBe('warn')
    driver.model.setSilent(5, false)
    await waitFor('servo.recovered', () => events('servo.recovered').length)
    const back = sweeps().length
    await waitFor('ten more sweeps', () => sweeps().length >= back + 10)
    expect(events('servo.recovered').map((e) => (e.data as { servo_id: number }).servo_id)).toEqual([5])
    expect(events('servo.silent')).toHaveLength(1)
  })

  test('samples are stamped with the clock it is given (the simulated clock jump)', async () => {
    const ahead = () => Date.now() + 3_600_000
    const { samples, sweeps } = collect({}, ahead)
    await waitFor('a sweep and an IMU reading', () => sweeps().length && samples('imu').length)
    for (const s of [...sweeps()[0], samples('imu')[0]] as Sample[]) expect(s.ts - Date.now()).toBeGreaterThan(3_590_000)
  })

  test('after stop nothing more is read, while a second collector on the same robot keeps sweeping', async () => {
    const a = collect()
    await waitFor('a sweep', () => a.sweeps().length)
    a.c.stop()
    const at = a.seen.length
    const b = collect()
    await waitFor('ten sweeps of the other collector', () => b.sweeps().length >= 10)
    expect(a.seen.length).toBe(at)
  })

  test('performance snapshots flatten to numbers: per-core CPU and the raw throttle bits', () => {
    const p = { ts: 1, cpu_percent: 12.5, cpu_per_core: [10, 15], cpu_temp_c: 51, mem_percent: 40, throttled: { raw: 0x50005 } } as unknown as PerformanceSample
    expect(performanceValues(p)).toEqual({ cpu_percent: 12.5, cpu_temp_c: 51, mem_percent: 40, cpu0_percent: 10, cpu1_percent: 15, throttled: 0x50005 })
  })
})
