// Nominal load of one TonyPi, generated from the simulator in accelerated time: 16 servo
// positions at 20 Hz, servo health at 1 Hz, IMU at 100 Hz, battery and Pi performance at
// 1 Hz. The robot walks through poses so positions change as they would in use. Also what
// seeds an edge's history for the dashboard's first-load figures.
import { join } from 'node:path'
import { silentLogger } from '../core/log.ts'
import type { Sample } from '../core/streams.ts'
import { batteryPercent } from '../core/units.ts'
import { SimulatedTonyPi } from '../drivers/sim/model.ts'
import { openEdgeDatabase } from '../edge/store/database.ts'
import { SampleStore } from '../edge/store/sample-store.ts'

export function* nominalSeconds(startMs: number, seconds: number, seed = 7): Generator<Sample[]> {
  const sim = new SimulatedTonyPi({ seed, startMs })
  const ids = sim.servoIds
  for (let s = 0; s < seconds; s++) {
    const base = startMs + s * 1000
    const out: Sample[] = []
    if (s % 4 === 0)
      sim.move(
        ids.map((id, i) => ({ id, position: 400 + ((s * 37 + i * 53) % 200) })),
        1500,
        base,
      )
    for (let k = 0; k < 100; k++) {
      const t = base + k * 10
      sim.step(t)
      const imu = sim.readImu()
      out.push({
        stream: 'imu',
        ts: t,
        values: { ax: imu.accel[0], ay: imu.accel[1], az: imu.accel[2], gx: imu.gyro[0], gy: imu.gyro[1], gz: imu.gyro[2], temp_c: imu.tempC },
      })
      if (k % 5 === 0) for (const id of ids) out.push({ stream: 'servos', ts: t, source: String(id), values: { position: sim.readPosition(id) } })
    }
    for (const id of ids)
      out.push({
        stream: 'servos',
        ts: base + 500,
        source: String(id),
        values: { temperature_c: sim.readTemperature(id), voltage_v: sim.readVoltage(id) / 1000, torque: 1 },
      })
    const v = sim.readBattery().voltageMv / 1000
    out.push({ stream: 'battery', ts: base, values: { voltage_v: v, percent: batteryPercent(v, '2S') } })
    out.push({
      stream: 'performance',
      ts: base,
      values: {
        cpu_percent: 20 + (s % 7),
        cpu0_percent: 25,
        cpu1_percent: 15,
        cpu2_percent: 18,
        cpu3_percent: 22,
        load_1: 0.5,
        load_5: 0.4,
        load_15: 0.3,
        mem_total_bytes: 4_000_000_000,
        mem_used_bytes: 900_000_000 + s * 1000,
        mem_percent: 22.5,
        disk_total_bytes: 32e9,
        disk_used_bytes: 8e9 + s * 40_000,
        disk_percent: 25,
        cpu_temp_c: 52.1,
        net_rx_bytes: 1e6 + s * 2000,
        net_tx_bytes: 5e5 + s * 8000,
        net_rx_bps: 2000,
        net_tx_bps: 8000,
        uptime_s: 1000 + s,
      },
    })
    yield out
  }
}

/**
 * Writes `seconds` of nominal load ending now into the edge database in `dataDir`, tick by tick
 * as the edge stores it, so an edge started on that directory has a history to serve (charts,
 * the first-load figures) without running for that long first.
 */
export function seedEdgeHistory(dataDir: string, seconds: number, endMs = Date.now()) {
  const db = openEdgeDatabase(join(dataDir, 'edge.db'))
  try {
    const store = new SampleStore(db, { quotaBytes: 1e12, retentionRawMs: 1e12, retentionRollupMs: 1e12, log: silentLogger })
    const start = endMs - seconds * 1000
    let i = 0
    for (const tick of nominalSeconds(start, seconds)) {
      for (const s of tick) store.add(s)
      store.flush(start + ++i * 1000)
    }
  } finally {
    db.$client.close()
  }
}
