// Alerts and fleet alert rules on the hub, under /api/v1, in the edge's shapes and with its
// messages (edge/api/alert-routes.ts): viewers read, operators acknowledge and resolve
// (recorded with their name), admins edit rules, globally or for one robot.
import { Elysia, t } from 'elysia'
import { EpochMs, knownFields, OpenBody } from '../../server/params.ts'
import { AcknowledgeFilter, ACKNOWLEDGE_ALL_MAX, AlertRecord, AlertStats, ManualAlert, RulePatch, RuleRecord } from '../../core/alerts/record.ts'
import { HttpError } from '../../core/http-error.ts'
import { RuleError } from '../alerts/rule-repo.ts'
import { isRobotMetric } from '../alerts/robot-rules.ts'
import type { HubContext } from '../context.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'alerts' | 'bridge' | 'records' | 'robotRules' | 'robots'>

const ErrorBody = t.Object({ error: t.String(), message: t.String() })
// A new object, not an intersection with the edge's RuleRecord: Elysia normalises a response
// schema in place (closing it to extra properties), so once an edge app in the same process had
// compiled its rules route, the shared RuleRecord refused every hub rule for its robot_id.
const HubRuleRecord = t.Object({
  ...RuleRecord.properties,
  robot_id: t.Union([t.String(), t.Null()], { description: 'null: the global rule; else the robot whose own rule this is' }),
})
const AlertId = t.Object({ id: t.String({ maxLength: 40 }) })
/** Epoch ms that a Date can hold, so a wild value is a 400 and not a failed query. */
const RobotQuery = t.Object({
  robot_id: t.Optional(t.String({ minLength: 1, maxLength: 64, description: "a robot's own rules (the global rule where it has none)" })),
})

// A misspelt `min_duration` is a 400 naming it, not a rule left as it was (server/params.ts).
const RulePatchBody = OpenBody(RulePatch.properties, { minProperties: 1 })
const rulePatch = (body: Record<string, unknown>) => knownFields(body, RulePatch.properties, 'a rule') as RulePatch
const ManualAlertBody = { robot_id: t.String({ maxLength: 64, description: 'the robot it is about' }), ...ManualAlert.properties }
const HubAcknowledgeFilter = { robot_id: t.Optional(t.String({ maxLength: 64 })), ...AcknowledgeFilter }

/** Ids are parsed after the role check, so an anonymous caller learns nothing from a 400. */
function alertId(raw: string): number {
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new HttpError(404, 'not_found', `no alert ${JSON.stringify(raw.slice(0, 32))}`)
  return id
}

function ruleError(err: unknown): never {
  if (err instanceof RuleError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'invalid_request', err.message)
  throw err
}

export function hubAlertRoutes(ctx: Needs, auth: HubAuth) {
  const notFound = (id: number) => new HttpError(404, 'not_found', `no alert ${id}`)
  const robotOr404 = async (id: string) => {
    if (!(await ctx.robots.get(id))) throw new HttpError(404, 'not_found', `no robot ${id}`)
  }
  /** Robots pull rules for their own alerts with their sync; this tells them to look now. */
  const nudge = async (robotId: string | null) => {
    const ids = robotId ? [robotId] : (await ctx.robots.list()).filter((r) => !r.revokedAt).map((r) => r.robotId)
    await Promise.all(ids.map((id) => ctx.bridge.askToPull(id)))
  }

  return new Elysia()
    .use(auth)
    .get(
      '/alerts',
      async ({ query }) => {
        return ctx.alerts.store.list(query)
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.Optional(t.String({ maxLength: 64 })),
          resolved: t.Optional(t.BooleanString()),
          acknowledged: t.Optional(t.BooleanString()),
          severity: t.Optional(t.Union([t.Literal('info'), t.Literal('warning'), t.Literal('critical')])),
          type: t.Optional(t.String({ maxLength: 64 })),
          source: t.Optional(t.String({ maxLength: 64 })),
          from: t.Optional(EpochMs('created at or after, epoch ms')),
          to: t.Optional(EpochMs('created at or before, epoch ms')),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })),
          offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
        }),
        response: { 200: t.Array(AlertRecord) },
        detail: { summary: "The fleet's alerts, newest first: the hub's own (robot offline, sync lag and backlog) and those robots raised" },
      },
    )

    .get(
      '/alerts/stats',
      async ({ query }) => {
        if (query.robot_id !== undefined) await robotOr404(query.robot_id)
        return ctx.alerts.store.stats(query)
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.Optional(t.String({ maxLength: 64 })),
          from: t.Optional(EpochMs('created at or after, epoch ms')),
          to: t.Optional(EpochMs('created at or before, epoch ms')),
        }),
        response: { 200: AlertStats, 404: ErrorBody },
        detail: { summary: "Counts of alerts by severity and type (one robot's, or the fleet's), and how many are unacknowledged and unresolved" },
      },
    )

    .post(
      '/alerts',
      async ({ principal, body, set }) => {
        const { robot_id, ...alert } = knownFields(body, ManualAlertBody, 'an alert')
        await robotOr404(robot_id)
        set.status = 201
        return ctx.alerts.raiseManual(robot_id, alert, principal.username)
      },
      {
        auth: 'operator',
        body: OpenBody(ManualAlertBody),
        response: { 201: AlertRecord, 404: ErrorBody },
        detail: {
          summary: "An operator's own alert about a robot (type manual), announced like any (dashboards, MQTT, webhook); open until a person resolves it",
        },
      },
    )

    .post(
      '/alerts/acknowledge-all',
      async ({ principal, body }) => {
        const f = knownFields(body ?? {}, HubAcknowledgeFilter, 'a filter')
        if (f.robot_id !== undefined) await robotOr404(f.robot_id)
        const done = await ctx.alerts.acknowledgeAll(f, principal.username)
        return { acknowledged: done.length, ids: done.map((a) => a.id) }
      },
      {
        auth: 'operator',
        body: t.Optional(t.Union([OpenBody(HubAcknowledgeFilter), t.Null()])),
        response: { 200: t.Object({ acknowledged: t.Integer(), ids: t.Array(t.Integer()) }), 404: ErrorBody },
        detail: {
          summary: `Acknowledge every open, unacknowledged alert matching the filter (at most ${ACKNOWLEDGE_ALL_MAX}); a robot's own alerts are acknowledged on the robot too`,
        },
      },
    )

    .get(
      '/alerts/rules',
      async ({ query }) => {
        if (query.robot_id !== undefined) await robotOr404(query.robot_id)
        return [...(await ctx.alerts.rules.records(query.robot_id ?? null)), ...(await ctx.robotRules.records(query.robot_id ?? null))]
      },
      {
        auth: 'viewer',
        query: RobotQuery,
        response: { 200: t.Array(HubRuleRecord), 404: ErrorBody },
        detail: { summary: "The fleet alert rules (global), or those in force for one robot, with each metric's unit and meaning" },
      },
    )

    .put(
      '/alerts/rules/:metric',
      async ({ principal, params, query, body }) => {
        const patch = rulePatch(body)
        if (query.robot_id !== undefined) await robotOr404(query.robot_id)
        if (!isRobotMetric(params.metric)) return ctx.alerts.updateRule(params.metric, query.robot_id ?? null, patch, principal.username).catch(ruleError)
        const rule = await ctx.robotRules.update(params.metric, query.robot_id ?? null, patch, new Date()).catch(ruleError)
        await ctx.records.log({
          robotId: query.robot_id ?? null,
          level: 'info',
          category: 'alerts',
          ts: Date.now(),
          message: `robot alert rule ${params.metric}${query.robot_id ? ` for ${query.robot_id}` : ' (all robots)'} set by ${principal.username}`,
          details: { rule, patch },
        })
        await nudge(query.robot_id ?? null)
        return rule
      },
      {
        auth: 'admin',
        params: t.Object({ metric: t.String({ maxLength: 64 }) }),
        query: RobotQuery,
        body: RulePatchBody,
        response: { 200: HubRuleRecord, 400: ErrorBody, 404: ErrorBody },
        detail: {
          summary:
            "Edit a rule (partial): the global one, or with ?robot_id= that robot's own (made from the rule in force on its first edit); warning and critical must be ordered by its direction",
        },
      },
    )

    .delete(
      '/alerts/rules/:metric',
      async ({ principal, params, query }) => {
        if (isRobotMetric(params.metric)) {
          if (query.robot_id !== undefined) await robotOr404(query.robot_id)
          const removed = await ctx.robotRules.remove(params.metric, query.robot_id ?? null)
          if (!removed)
            throw new HttpError(404, 'not_found', `the hub sets no ${params.metric} rule${query.robot_id ? ` for ${query.robot_id}` : ' for all robots'}`)
          await ctx.records.log({
            robotId: query.robot_id ?? null,
            level: 'info',
            category: 'alerts',
            ts: Date.now(),
            message: `robot alert rule ${params.metric}${query.robot_id ? ` for ${query.robot_id}` : ' (all robots)'} no longer set by the hub (${principal.username}); robots keep the rule they have`,
          })
          await nudge(query.robot_id ?? null)
          return removed
        }
        if (query.robot_id === undefined) {
          throw new HttpError(400, 'invalid_request', 'robot_id is required: a global rule is not deleted; disable it with {"enabled": false}')
        }
        await robotOr404(query.robot_id)
        return ctx.alerts.removeRule(params.metric, query.robot_id, principal.username).catch(ruleError)
      },
      {
        auth: 'admin',
        params: t.Object({ metric: t.String({ maxLength: 64 }) }),
        query: RobotQuery,
        response: { 200: HubRuleRecord, 400: ErrorBody, 404: ErrorBody },
        detail: { summary: "Remove a robot's own rule: the global rule applies to it again (returned)" },
      },
    )

    .post(
      '/alerts/:id/acknowledge',
      async ({ principal, params }) => {
        const id = alertId(params.id)
        return (
          (await ctx.alerts.acknowledge(id, principal.username)) ??
          (() => {
            throw notFound(id)
          })()
        )
      },
      {
        auth: 'operator',
        params: AlertId,
        response: { 200: AlertRecord, 404: ErrorBody },
        detail: { summary: 'Acknowledge (idempotent: the first acknowledgement is kept)' },
      },
    )

    .post(
      '/alerts/:id/resolve',
      async ({ principal, params }) => {
        const id = alertId(params.id)
        return (
          (await ctx.alerts.resolve(id, principal.username)) ??
          (() => {
            throw notFound(id)
          })()
        )
      },
      {
        auth: 'operator',
        params: AlertId,
        response: { 200: AlertRecord, 404: ErrorBody },
        detail: { summary: 'Resolve (idempotent); a condition that persists raises a new alert' },
      },
    )
}
