// Alerts and alert rules under /api/v1: viewers read, operators acknowledge and resolve
// (recorded with their name), admins edit rules.
import { Elysia, t } from 'elysia'
import { AlertRecord, RulePatch, RuleRecord } from '../../core/alerts/record.ts'
import { RuleError } from '../alerts/alert-store.ts'
import type { EdgeContext } from '../context.ts'
import { requireRole } from './auth.ts'
import { HttpError } from './errors.ts'

const ErrorBody = t.Object({ error: t.String(), message: t.String() })
const secured = { security: [{ bearer: [] }] }
const AlertId = t.Object({ id: t.Integer({ minimum: 1 }) })

export function alertRoutes(ctx: EdgeContext) {
  const notFound = (id: number) => new HttpError(404, 'not_found', `no alert ${id}`)

  return new Elysia()
    .get('/alerts', ({ headers, query }) => {
      requireRole(ctx, headers.authorization, 'viewer')
      return ctx.alerts.store.list(query)
    }, {
      query: t.Object({
        resolved: t.Optional(t.BooleanString()),
        acknowledged: t.Optional(t.BooleanString()),
        severity: t.Optional(t.Union([t.Literal('info'), t.Literal('warning'), t.Literal('critical')])),
        type: t.Optional(t.String({ maxLength: 64 })),
        source: t.Optional(t.String({ maxLength: 64 })),
        from: t.Optional(t.Numeric({ description: 'created at or after, epoch ms' })),
        to: t.Optional(t.Numeric({ description: 'created at or before, epoch ms' })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })),
      }),
      response: { 200: t.Array(AlertRecord) },
      detail: { ...secured, summary: 'Alerts, newest first' },
    })

    .get('/alerts/rules', ({ headers }) => {
      requireRole(ctx, headers.authorization, 'viewer')
      return ctx.alerts.store.ruleRecords()
    }, { response: { 200: t.Array(RuleRecord) }, detail: { ...secured, summary: 'Alert rules, with each metric\'s unit and meaning' } })

    .put('/alerts/rules/:metric', ({ headers, params, body }) => {
      const me = requireRole(ctx, headers.authorization, 'admin')
      try {
        return ctx.alerts.updateRule(params.metric, body, me.username)
      } catch (err) {
        if (err instanceof RuleError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'invalid_request', err.message)
        throw err
      }
    }, {
      params: t.Object({ metric: t.String({ maxLength: 64 }) }),
      body: RulePatch,
      response: { 200: RuleRecord, 400: ErrorBody, 404: ErrorBody },
      detail: { ...secured, summary: 'Edit a rule (partial); warning and critical must be ordered by its direction' },
    })

    .post('/alerts/:id/acknowledge', ({ headers, params }) => {
      const me = requireRole(ctx, headers.authorization, 'operator')
      return ctx.alerts.acknowledge(params.id, me.username) ?? (() => { throw notFound(params.id) })()
    }, {
      params: AlertId, response: { 200: AlertRecord, 404: ErrorBody },
      detail: { ...secured, summary: 'Acknowledge (idempotent: the first acknowledgement is kept)' },
    })

    .post('/alerts/:id/resolve', ({ headers, params }) => {
      const me = requireRole(ctx, headers.authorization, 'operator')
      return ctx.alerts.resolve(params.id, me.username) ?? (() => { throw notFound(params.id) })()
    }, {
      params: AlertId, response: { 200: AlertRecord, 404: ErrorBody },
      detail: { ...secured, summary: 'Resolve (idempotent); a condition that persists raises a new alert' },
    })
}
