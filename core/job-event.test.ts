import { describe, expect, test } from 'bun:test'
import { decodeJobEvent, JobEventError } from './job-event.ts'
import { adaptLegacyMessage } from './legacy/adapt.ts'

const now = Date.UTC(2026, 5, 1, 12, 0, 0)

describe('job event (tonypi/{id}/job)', () => {
  test('decodes to the record the legacy adapter makes of the same report', () => {
    const fields = { task_name: 'scan', status: 'in_progress', items_done: 2, items_total: 8, percent: 25, reason: 'aisle 3' }
    const ours = decodeJobEvent('r1', { ...fields, ts: now - 1000 }, now)
    const theirs = adaptLegacyMessage('tonypi/job/r1', { robot_id: 'r1', ...fields, timestamp: new Date(now - 1000).toISOString() }, now)
    expect(ours).toEqual({ jobId: null, record: theirs as never })
    expect(ours.record).toMatchObject({ kind: 'job', robotId: 'r1', ts: now - 1000, tsTrusted: true })
  })

  test('a zero is a value; absent and null are "not reported"', () => {
    const zero = decodeJobEvent('r1', { job_id: 7, status: 'in_progress', percent: 0, items_done: 0 }, now)
    expect(zero).toMatchObject({ jobId: 7, record: { percent: 0, itemsDone: 0, itemsTotal: null, taskName: null, reason: null } })
    const none = decodeJobEvent('r1', { task_name: 't', status: 'started', percent: null, items_total: null }, now)
    expect(none.record).toMatchObject({ percent: null, itemsTotal: null })
  })

  test('a missing or implausible ts becomes the arrival time, flagged', () => {
    expect(decodeJobEvent('r1', { task_name: 't', status: 'started' }, now).record).toMatchObject({ ts: now, tsTrusted: false })
    expect(decodeJobEvent('r1', { task_name: 't', status: 'started', ts: now - 86_400_000 }, now).record).toMatchObject({ ts: now, tsTrusted: false })
  })

  const bad: [unknown, RegExp][] = [
    [null, /not a JSON object/],
    [[1], /not a JSON object/],
    [{ task_name: 't' }, /status is missing \(one of started/],
    [{ task_name: 't', status: 'working' }, /status "working" is not one of/], // legacy spelling: not in our layout
    [{ task_name: 't', status: 'started', percent: -1 }, /percent: Expected number to be greater or equal to 0/],
    [{ task_name: 't', status: 'started', percent: '50' }, /percent: Expected number/],
    [{ task_name: 't', status: 'started', items_total: 2.5 }, /items_total: Expected integer/],
    [{ task_name: '', status: 'started' }, /task_name: Expected string length greater or equal to 1/],
    [{ task_name: 't', status: 'started', ts: 1_700_000_000 }, /ts: Expected number to be greater or equal to/], // seconds, not ms
    [{ task_name: 't', status: 'started', progress: 5 }, /progress: Unexpected property/],
    [{ job_id: 0, status: 'started' }, /job_id: Expected integer to be greater or equal to 1/],
    [{ status: 'completed' }, /job_id or task_name is required/],
    [{ robot_id: 'r2', task_name: 't', status: 'started' }, /robot_id "r2" does not match topic r1/],
  ]
  for (const [payload, msg] of bad) {
    test(`refuses ${JSON.stringify(payload)}`, () => {
      let err: unknown
      try {
        decodeJobEvent('r1', payload, now)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(JobEventError)
      expect((err as Error).message).toMatch(msg)
    })
  }
})
