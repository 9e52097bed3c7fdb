import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../core/log.ts'
import { openEdgeDatabase, type EdgeDb } from '../store/database.ts'
import { AlertStore } from './alert-store.ts'

const dirs: string[] = []
const dbs: EdgeDb[] = []
afterEach(() => {
  for (const db of dbs.splice(0)) db.$client.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function open(path?: string) {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'alert-store-')), 'edge.db')
  if (!path) dirs.push(join(file, '..'))
  const db = openEdgeDatabase(file)
  dbs.push(db)
  let seq = 100
  const logs: string[] = []
  const store = new AlertStore(db, { takeSeq: () => ++seq, robotId: 'r1', log: createLogger({ sink: (l) => logs.push(l) }) })
  return { store, db, file, logs }
}

const volts = (s: AlertStore) => s.rules().find((r) => r.metric === 'servo_voltage')!

describe('rules', () => {
  test('seeded once from the defaults; edits survive a second seeding', () => {
    const { store, file, db } = open()
    store.seedRules('2S', 1)
    store.updateRule('servo_temperature', { warning: 60 }, 2)
    store.seedRules('2S', 3)
    expect(store.rules().find((r) => r.metric === 'servo_temperature')!.warning).toBe(60)
    db.$client.close()
    dbs.length = 0
    const again = open(file)
    again.store.seedRules('2S', 4)
    expect(again.store.rules().find((r) => r.metric === 'servo_temperature')!.warning).toBe(60)
  })

  test('a pack change re-seeds the servo supply lines, unless an admin edited them', () => {
    const a = open()
    a.store.seedRules('2S', 1)
    expect(volts(a.store)).toMatchObject({ warning: 6.4, critical: 6.0 })
    a.store.seedRules('3S', 2)
    expect(volts(a.store)).toMatchObject({ warning: 9.6, critical: 9.0 })

    const b = open()
    b.store.seedRules('2S', 1)
    b.store.updateRule('servo_voltage', { warning: 6.6 }, 2)
    b.store.seedRules('3S', 3)
    expect(volts(b.store)).toMatchObject({ warning: 6.6, critical: 6.0 })
    expect(b.logs.join('\n')).toContain('left as it is')
  })
})

describe('alerts', () => {
  const open1 = { kind: 'open', type: 'servo_temperature', source: '3', severity: 'warning', value: 66, threshold: 65, ts: 1000 } as const
  const text = { title: 't', message: 'm' }

  test('one row per open alert, updated in place with a new sequence number each time', () => {
    const { store, db } = open()
    const a = store.apply(open1, text)!
    const b = store.apply({ ...open1, kind: 'update', severity: 'critical', previous: 'warning', active: true, value: 76, threshold: 75, ts: 2000 }, text)!
    expect(b.id).toBe(a.id)
    const seqs = () => (db.$client.query('SELECT seq FROM alerts').all() as { seq: number }[]).map((r) => r.seq)
    const s1 = seqs()
    store.apply({ ...open1, kind: 'resolve', severity: 'critical', peak: 80, reason: 'cleared', value: 60, ts: 3000 }, text)
    expect(seqs()[0]).toBeGreaterThan(s1[0])
    expect(store.get(a.id)).toMatchObject({ resolved: true, resolved_at: 3000, severity: 'critical', created_at: 1000 })
    expect(store.apply({ ...open1, kind: 'resolve', severity: 'critical', peak: 80, reason: 'cleared', value: 60, ts: 4000 }, text)).toBeNull()
  })

  test('an escalation asks for attention again: the acknowledgement of the warning is withdrawn', () => {
    const { store } = open()
    const a = store.apply(open1, text)!
    store.acknowledge(a.id, 'olga', 1500)
    const c = store.apply({ ...open1, kind: 'update', severity: 'critical', previous: 'warning', active: true, ts: 2000 }, text)!
    expect(c).toMatchObject({ acknowledged: false, acknowledged_by: null })
    store.acknowledge(a.id, 'olga', 2500)
    const d = store.apply({ ...open1, kind: 'update', severity: 'warning', previous: 'critical', active: true, ts: 3000 }, text)!
    expect(d).toMatchObject({ acknowledged: true, acknowledged_by: 'olga' })
  })
})
