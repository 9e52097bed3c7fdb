// Alerts and alert rules under /api/v1: viewers read (and count), operators acknowledge and
// resolve (one or all matching a filter, recorded with their name) and raise their own, admins
// edit rules.
import { Elysia, t } from 'elysia'
import { EpochMs, knownFields, OpenBody } from '../../server/params.ts'
import { AcknowledgeFilter, ACKNOWLEDGE_ALL_MAX, AlertRecord, AlertStats, ManualAlert, RulePatch, RuleRecord } from '../../core/alerts/record.ts'
import { RuleError } from '../alerts/alert-store.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'
import { HttpError } from './errors.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'alerts'>

const ErrorBody = t.Object({ error: t.String(), message: t.String() })
const AlertId = t.Object({ id: t.Integer({ minimum: 1 }) })

export function alertRoutes(ctx: Needs, auth: EdgeAuth) {
  const notFound = (id: number) => new HttpError(404, 'not_found', `no alert ${id}`)

  return new Elysia()
    .use(auth)
    .get(
      '/alerts',
      ({ query }) => {
        return ctx.alerts.store.list(query)
      },
      {
        auth: 'viewer',
        query: t.Object({
          resolved: t.Optional(t.BooleanString()),
          acknowledged: t.Optional(t.BooleanString()),
          severity: t.Optional(t.Union([t.Literal('info'), t.Literal('warning'), t.Literal('critical')])),
          type: t.Optional(t.String({ maxLength: 64 })),
          source: t.Optional(t.String({ maxLength: 64 })),
          from: t.Optional(EpochMs('created at or after, epoch ms')),
          to: t.Optional(EpochMs('created at or before, epoch ms')),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })),
        }),
        response: { 200: t.Array(AlertRecord) },
        detail: { summary: 'Alerts, newest first' },
      },
    )

    .get(
      '/alerts/stats',
      ({ query }) => {
        return ctx.alerts.store.stats(query)
      },
      {
        auth: 'viewer',
        query: t.Object({
          from: t.Optional(EpochMs('created at or after, epoch ms')),
          to: t.Optional(EpochMs('created at or before, epoch ms')),
        }),
        response: { 200: AlertStats },
        detail: { summary: 'Counts of alerts by severity and type, and how many are unacknowledged and unresolved' },
      },
    )

    .post(
      '/alerts',
      ({ principal, body, set }) => {
        set.status = 201
        return ctx.alerts.raiseManual(knownFields(body, ManualAlert.properties, 'an alert'), principal.username)
      },
      {
        auth: 'operator',
        body: OpenBody(ManualAlert.properties),
        response: { 201: AlertRecord },
        detail: { summary: "An operator's own alert (type manual), announced like any; open until a person resolves it" },
      },
    )

    .post(
      '/alerts/acknowledge-all',
      ({ principal, body }) => {
        const done = ctx.alerts.acknowledgeAll(knownFields(body ?? {}, AcknowledgeFilter, 'a filter'), principal.username)
        return { acknowledged: done.length, ids: done.map((a) => a.id) }
      },
      {
        auth: 'operator',
        body: t.Optional(t.Union([OpenBody(AcknowledgeFilter), t.Null()])),
        response: { 200: t.Object({ acknowledged: t.Integer(), ids: t.Array(t.Integer()) }) },
        detail: { summary: `Acknowledge every open, unacknowledged alert matching the filter (at most ${ACKNOWLEDGE_ALL_MAX})` },
      },
    )

    .get(
      '/alerts/rules',
      () => {
        return ctx.alerts.store.ruleRecords()
      },
      { auth: 'viewer', response: { 200: t.Array(RuleRecord) }, detail: { summary: "Alert rules, with each metric's unit and meaning" } },
    )

    .put(
      '/alerts/rules/:metric',
      ({ principal, params, body }) => {
        try {
          return ctx.alerts.updateRule(params.metric, body, principal.username)
        } catch (err) {
          if (err instanceof RuleError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'invalid_request', err.message)
          throw err
        }
      },
      {
        auth: 'admin',
        params: t.Object({ metric: t.String({ maxLength: 64 }) }),
        body: RulePatch,
        response: { 200: RuleRecord, 400: ErrorBody, 404: ErrorBody },
        detail: { summary: 'Edit a rule (partial); warning and critical must be ordered by its direction' },
      },
    )

    .post(
      '/alerts/:id/acknowledge',
      ({ principal, params }) => {
        return (
          ctx.alerts.acknowledge(params.id, principal.username) ??
          (() => {
            throw notFound(params.id)
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
      ({ principal, params }) => {
        return (
          ctx.alerts.resolve(params.id, principal.username) ??
          (() => {
            throw notFound(params.id)
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
