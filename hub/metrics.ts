// The hub's metrics for an operator's Prometheus (GET /metrics): robots and their sync (backlog
// and lag per robot), MQTT ingest and drops, the InfluxDB writer, alerts and webhook deliveries,
// and how long the API takes. Read from the parts and from PostgreSQL at each scrape.
import { count, eq, sql } from 'drizzle-orm'
import type { HubContext } from './context.ts'
import { alerts, syncState, webhookOutbox } from './db/schema.ts'
import { Exposition, processMetrics } from '../server/prometheus.ts'
import { RequestMetrics } from '../server/http-metrics.ts'

/** What the metrics are read from. */
export type MetricsSource = Pick<HubContext, 'alerts' | 'bridge' | 'db' | 'influxWriter' | 'robots' | 'startedAt' | 'sync' | 'webhook'>

export class HubMetrics {
  readonly http = new RequestMetrics()

  async render(ctx: MetricsSource): Promise<string> {
    const x = new Exposition()
    const now = Date.now()
    const [robots, syncRows, openAlerts, [outbox]] = await Promise.all([
      ctx.robots.list(),
      ctx.db.select().from(syncState),
      ctx.db.select({ severity: alerts.severity, n: count() }).from(alerts).where(eq(alerts.resolved, false)).groupBy(alerts.severity),
      ctx.db.select({ n: sql<number>`count(*)::int` }).from(webhookOutbox),
    ])
    const live = robots.filter((r) => !r.revokedAt)
    x.gauge('tonypi_hub_robots', 'Robots registered (not revoked), and those online.', [
      [{ state: 'registered' }, live.length],
      [{ state: 'online' }, live.filter((r) => ctx.bridge.isOnline(r.robotId)).length],
    ])
    x.gauge(
      'tonypi_hub_sync_backlog_records',
      'Records waiting on each robot, as its last batch said.',
      syncRows.map((s) => [{ robot_id: s.robotId }, s.backlog ?? 0]),
    )
    x.gauge(
      'tonypi_hub_sync_lag_seconds',
      "Time since each robot's last sync batch.",
      syncRows.filter((s) => s.lastBatchAt).map((s) => [{ robot_id: s.robotId }, (now - s.lastBatchAt!.getTime()) / 1000]),
    )
    const c = ctx.sync.counters
    x.counter('tonypi_hub_sync_batches_total', 'Sync batches, by outcome (applied, gap: answered 409 with the marks to send from, failed).', [
      [{ outcome: 'applied' }, c.applied],
      [{ outcome: 'gap' }, c.gaps],
      [{ outcome: 'failed' }, c.failed],
    ])
    x.counter('tonypi_hub_sync_records_total', 'Records applied from sync batches.', [[undefined, c.records]])

    x.gauge('tonypi_hub_mqtt_connected', 'Whether the hub is connected to the broker (1) or not (0).', [[undefined, ctx.bridge.connected ? 1 : 0]])
    x.counter('tonypi_hub_mqtt_messages_total', 'MQTT messages the hub took from robots.', [[undefined, ctx.bridge.counters.messages]])
    x.counter('tonypi_hub_mqtt_dropped_total', 'MQTT messages dropped (malformed, unregistered robot, not allowed).', [
      [undefined, [...ctx.bridge.dropped.values()].reduce((a, n) => a + n, 0)],
    ])

    const w = ctx.influxWriter?.stats()
    x.counter('tonypi_hub_influx_written_lines_total', 'Lines InfluxDB accepted from the live MQTT path.', w ? [[undefined, w.written]] : [])
    x.counter(
      'tonypi_hub_influx_dropped_lines_total',
      'Lines given up on, by reason.',
      w
        ? [
            [{ reason: 'overflow' }, w.dropped_overflow],
            [{ reason: 'rejected' }, w.dropped_rejected],
            [{ reason: 'closed' }, w.dropped_closed],
          ]
        : [],
    )
    x.gauge('tonypi_hub_influx_buffered_lines', 'Lines waiting for InfluxDB.', w ? [[undefined, w.buffered]] : [])

    x.gauge(
      'tonypi_alerts_open',
      'Open alerts in the fleet, by severity.',
      ['info', 'warning', 'critical'].map((sev) => [{ severity: sev }, Number(openAlerts.find((r) => r.severity === sev)?.n ?? 0)]),
    )
    x.counter('tonypi_hub_alert_evaluations_total', "Passes of the hub's fleet alert rules over the fleet.", [[undefined, ctx.alerts.counters.evaluations]])
    x.counter('tonypi_hub_alert_changes_total', "Changes the hub's fleet rules made to alerts.", [[undefined, ctx.alerts.counters.changes]])
    const hook = ctx.webhook?.counters
    x.counter(
      'tonypi_hub_webhook_deliveries_total',
      'Alert webhook deliveries, by outcome.',
      hook
        ? [
            [{ outcome: 'delivered' }, hook.delivered],
            [{ outcome: 'retried' }, hook.retried],
            [{ outcome: 'given_up' }, hook.given_up],
          ]
        : [],
    )
    x.gauge('tonypi_hub_webhook_outbox', 'Webhook deliveries waiting in the outbox.', [[undefined, outbox?.n ?? 0]])

    x.histogram('tonypi_http_request_duration_seconds', 'Time to answer an API request, by method, route pattern and status.', this.http.histogram)
    processMetrics(x, ctx.startedAt)
    return x.text()
  }
}
