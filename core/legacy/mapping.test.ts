import { describe, expect, test } from 'bun:test'
import { JOB_RUN_GAP_MS, UNNAMED_TASK } from '../job-event.ts'
import { adaptLegacyMessage } from './adapt.ts'
import { fromLegacyCommand, LegacyStatusTransitions, outcomeOfLegacyReply, planJobReport, toLegacyCommand, type JobReport, type KnownJob } from './mapping.ts'

const now = Date.UTC(2026, 5, 1, 12, 0, 0)

describe('command vocabulary', () => {
  test('ours in its words: head gestures are types of their own, moves carry a direction, the e-stop its own topic', () => {
    expect(toLegacyCommand('r1', 'c1', { type: 'motion', motion: 'head_nod' })).toEqual({
      topic: 'tonypi/commands/r1',
      payload: { type: 'head_nod', id: 'c1' },
    })
    expect(toLegacyCommand('r1', 'c2', { type: 'motion', motion: 'forward' })).toEqual({
      topic: 'tonypi/commands/r1',
      payload: { type: 'move', id: 'c2', direction: 'forward' },
    })
    expect(toLegacyCommand('r1', 'c3', { type: 'estop', reason: 'test' })).toEqual({ topic: 'tonypi/emergency_stop/r1', payload: { id: 'c3', reason: 'test' } })
    expect(toLegacyCommand('r1', 'c4', { type: 'action.stop' })).toMatchObject({ payload: { type: 'stop', id: 'c4' } })
    expect(toLegacyCommand('r1', 'c5', { type: 'resume' })).toMatchObject({ payload: { type: 'resume' } })
    expect(toLegacyCommand('r1', 'c6', { type: 'servo.move', targets: [{ id: 1, position: 500 }], duration_ms: 100 })).toMatchObject({
      refused: expect.stringContaining('has no servo.move'),
    })
  })

  test('its words in ours; queries and shutdown are named as such', () => {
    expect(fromLegacyCommand('move', { direction: 'bow' })).toEqual({ command: { type: 'motion', motion: 'bow' } })
    expect(fromLegacyCommand('move', { direction: 'stop' })).toEqual({ command: { type: 'stop' } })
    expect(fromLegacyCommand('move', { direction: 'moonwalk' })).toMatchObject({ refused: expect.stringContaining('unknown direction') })
    expect(fromLegacyCommand('head_shake', {})).toEqual({ command: { type: 'motion', motion: 'head_shake' } })
    expect(fromLegacyCommand('emergency_stop', { reason: 'x' })).toEqual({ command: { type: 'estop', reason: 'x' } })
    expect(fromLegacyCommand('battery_request', {})).toEqual({ query: 'battery_request' })
    expect(fromLegacyCommand('shutdown', {})).toMatchObject({ refused: expect.stringContaining('shutdown') })
  })

  test('a reply is the outcome, its message the reason', () => {
    expect(outcomeOfLegacyReply({ success: true, message: 'Head nod completed' })).toEqual({ state: 'done', reason: 'Head nod completed' })
    expect(outcomeOfLegacyReply({ success: false, message: 'Unknown command' })).toEqual({ state: 'failed', reason: 'Unknown command' })
  })
})

describe('status transitions', () => {
  const status = (s: Record<string, unknown>) =>
    adaptLegacyMessage('tonypi/status/r1', { robot_id: 'r1', timestamp: new Date(now).toISOString(), ...s }, now) as never

  test('a repeated status says nothing; a change says what changed', () => {
    const t = new LegacyStatusTransitions()
    const base = {
      status: 'online',
      hardware_available: true,
      ip_address: '10.0.0.5',
      emergency_stopped: false,
      emergency_reason: null,
      system_info: { cpu_percent: 10 },
    }
    expect(t.note('r1', status(base))).toMatchObject({ from: null, level: 'info', message: 'earlier client r1: online' })
    for (let i = 0; i < 20; i++) expect(t.note('r1', status({ ...base, system_info: { cpu_percent: i } }))).toBeNull()
    const stopped = t.note('r1', status({ ...base, status: 'emergency_stopped', emergency_stopped: true, emergency_reason: 'by ana' }))
    expect(stopped).toMatchObject({
      level: 'warn',
      to: { estopped: true, estopReason: 'by ana' },
      message: 'earlier client r1: online -> emergency_stopped; reason: by ana',
    })
    expect(t.note('r1', status({ ...base, ip_address: '10.0.0.6' }))!.message).toContain('ip_address 10.0.0.5 -> 10.0.0.6')
    expect(t.note('r2', status({ ...base, robot_id: undefined }))).not.toBeNull()
  })
})

describe('job messages: one decision for the edge and the hub', () => {
  const report = (r: Partial<JobReport>): JobReport => ({
    status: 'in_progress',
    taskName: null,
    itemsDone: null,
    itemsTotal: null,
    percent: null,
    reason: null,
    ts: now,
    ...r,
  })
  const job = (j: Partial<KnownJob>): KnownJob => ({
    id: 1,
    taskName: 'inventory_scan',
    status: 'in_progress',
    itemsDone: 1,
    itemsTotal: 10,
    percent: 10,
    reason: null,
    finishedAt: null,
    ...j,
  })

  test('progress without a task name belongs to the open job', () => {
    expect(planJobReport(report({ itemsDone: 2, itemsTotal: 10 }), job({}), null)).toEqual({ kind: 'update', id: 1, set: { itemsDone: 2, percent: 20 } })
  })

  test('a "started" without an open job begins one; an unnamed one gets the one name both ends give it', () => {
    expect(planJobReport(report({ status: 'started', taskName: 'inventory_scan', itemsTotal: 15, percent: 0 }), null, null)).toEqual({
      kind: 'create',
      job: { taskName: 'inventory_scan', status: 'started', itemsDone: null, itemsTotal: 15, percent: 0, reason: null, finishedAt: null, startedAt: now },
    })
    expect(planJobReport(report({}), null, null)).toMatchObject({ kind: 'create', job: { taskName: UNNAMED_TASK, status: 'in_progress' } })
  })

  test('its simulator\'s endless "completed" after the end changes nothing, however late', () => {
    const ended = job({ status: 'completed', itemsDone: 10, finishedAt: now - 3 * JOB_RUN_GAP_MS })
    expect(planJobReport(report({ status: 'completed', itemsDone: 10, itemsTotal: 10, percent: 100 }), null, ended)).toMatchObject({
      kind: 'ignore',
      reason: expect.stringContaining('repeat'),
    })
  })

  test('a straggler soon after the end is ignored; much later it is a new run', () => {
    const ended = job({ status: 'completed', itemsDone: 10, finishedAt: now - 1000 })
    expect(planJobReport(report({ itemsDone: 9 }), null, ended)).toMatchObject({ kind: 'ignore' })
    expect(planJobReport(report({ itemsDone: 2, ts: now + JOB_RUN_GAP_MS }), null, ended)).toMatchObject({ kind: 'create' })
  })

  test('status only moves forward; after the end, another end is ignored with a reason', () => {
    expect(planJobReport(report({ status: 'started' }), job({}), null)).toEqual({ kind: 'update', id: 1, set: {} })
    expect(planJobReport(report({ status: 'cancelled', reason: 'battery' }), job({}), null)).toEqual({
      kind: 'update',
      id: 1,
      set: { status: 'cancelled', reason: 'battery', finishedAt: now },
    })
  })
})
