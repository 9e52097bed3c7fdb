// A robot's database holding `seconds` of nominal data it has not synced yet, as if its hub had
// been away that long: written through the edge's own store, one tick a simulated second, with
// the clock span the edge itself would note. For the sync benchmark and the fault tests.
import { join } from 'node:path'
import { silentLogger } from '../core/log.ts'
import { openEdgeDatabase } from '../edge/store/database.ts'
import { SampleStore } from '../edge/store/sample-store.ts'
import { ClockWatch } from '../edge/sync/clock-watch.ts'
import { systemClock } from '../edge/sync/robot-clock.ts'
import { nominalSeconds } from './nominal-load.ts'

/** Writes the backlog ending now into `<dataDir>/edge.db`; returns the samples and chunks written. */
export function writeRobotBacklog(dataDir: string, seconds: number): { samples: number; chunks: number } {
  const db = openEdgeDatabase(join(dataDir, 'edge.db'))
  const store = new SampleStore(db, { quotaBytes: 1e12, retentionRawMs: 1e12, retentionRollupMs: 1e12, log: silentLogger })
  new ClockWatch({ db, clock: systemClock(), nextSeq: () => store.peekSeq(), log: silentLogger }).check()
  const start = Date.now() - seconds * 1000
  let samples = 0
  let chunks = 0
  let i = 0
  for (const tick of nominalSeconds(start, seconds)) {
    for (const s of tick) store.add(s)
    samples += tick.length
    chunks += store.flush(start + i++ * 1000 + 999).chunks
  }
  store.close()
  db.$client.close()
  return { samples, chunks }
}
