// The edge's metrics for an operator's Prometheus (GET /metrics): what the robot measures and how
// fast, its buses' faults, the store's size and writes, the broker's clients and drops, sync's
// backlog and lag, alerts, and how long the API takes. Counts of what passes the in-process bus
// are kept here; the rest is read from the parts at each scrape.
import type { SampleBus } from './sample-bus.ts'
import type { EdgeContext } from './context.ts'
import { Exposition, processMetrics, type Labels } from '../server/prometheus.ts'
import { RequestMetrics } from '../server/http-metrics.ts'

/** What the metrics are read from. */
export type MetricsSource = Pick<EdgeContext, 'broker' | 'db' | 'driver' | 'inbound' | 'live' | 'robotId' | 'startedAt' | 'state' | 'store' | 'sync'>

export class EdgeMetrics {
  readonly http = new RequestMetrics()
  private readonly samples = new Map<string, number>()
  private readonly alertChanges = new Map<string, number>()
  private readonly commands = new Map<string, number>()

  constructor(bus: SampleBus) {
    const inc = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n)
    bus.on('samples', this, (samples) => {
      for (const s of samples) inc(this.samples, s.stream)
    })
    bus.on('alert', this, (a) => inc(this.alertChanges, `${a.data.change}|${a.data.severity}`))
    bus.on('command', this, (c) => inc(this.commands, c.data.state))
  }

  render(ctx: MetricsSource): string {
    const x = new Exposition()
    const st = ctx.state.status(Date.now())
    x.gauge('tonypi_build_info', 'The robot this edge is, and its profile (always 1).', [[{ robot_id: ctx.robotId, profile: ctx.driver.profile }, 1]])
    x.counter(
      'tonypi_samples_total',
      'Samples measured, by stream (their rate is the poll rate).',
      [...this.samples].map(([stream, n]) => [{ stream }, n]),
    )

    const buses = ctx.driver.busStatus?.() ?? []
    const perBus = (f: (b: (typeof buses)[number]) => number) => buses.map((b) => [{ bus: b.name }, f(b)] as const)
    x.counter(
      'tonypi_bus_requests_total',
      'Requests sent on each servo bus.',
      perBus((b) => b.requests),
    )
    x.counter(
      'tonypi_bus_timeouts_total',
      'Requests no servo answered in time.',
      perBus((b) => b.timeouts),
    )
    x.counter(
      'tonypi_bus_checksum_errors_total',
      'Frames refused for a bad checksum.',
      perBus((b) => b.checksum_errors),
    )
    x.counter(
      'tonypi_bus_errors_total',
      'Transport errors on each bus.',
      perBus((b) => b.errors),
    )
    x.gauge(
      'tonypi_bus_sweeps_per_second',
      'Position sweeps a second over the last five seconds.',
      perBus((b) => b.sweeps_per_s),
    )
    x.gauge('tonypi_servos', 'Servos polled, and those silent (stale).', [
      [{ state: 'polled' }, st.servos.length],
      [{ state: 'stale' }, st.servos.filter((s) => s.stale).length],
    ])
    x.gauge('tonypi_estopped', 'Whether the emergency stop holds (1) or not (0).', [[undefined, st.estopped ? 1 : 0]])

    const s = ctx.store.stats()
    x.gauge('tonypi_store_db_bytes', 'Bytes the database uses.', [[undefined, s.db_bytes]])
    x.gauge('tonypi_store_quota_bytes', 'The database size limit.', [[undefined, s.quota_bytes]])
    x.gauge('tonypi_store_journal_bytes', 'Bytes in the tick journal, not yet folded into the database.', [[undefined, s.journal_bytes]])
    x.counter('tonypi_store_journal_written_bytes_total', 'Bytes appended to the tick journal.', [[undefined, s.journal_written_bytes]])
    x.counter('tonypi_store_folds_total', 'Folds of the tick journal into the database.', [[undefined, s.folds]])
    x.counter('tonypi_store_dropped_samples_total', 'Samples dropped: for the quota (oldest first), or never written (the disk refused them).', [
      [{ reason: 'quota' }, s.dropped_samples],
      [{ reason: 'unwritten' }, s.dropped_unwritten_samples],
    ])
    x.gauge('tonypi_store_writable', 'Whether the last tick was written (1) or failed (0).', [[undefined, s.last_flush_error ? 0 : 1]])
    x.gauge('tonypi_store_pending_samples', 'Samples buffered for the next tick.', [[undefined, s.pending_samples]])

    x.gauge('tonypi_mqtt_clients', 'Clients connected to the embedded broker.', [[undefined, ctx.broker.aedes.connectedClients]])
    x.counter('tonypi_mqtt_dropped_total', 'Inbound MQTT messages dropped (malformed, not allowed).', [[undefined, ctx.inbound.droppedTotal()]])
    x.counter('tonypi_mqtt_refused_total', 'Connections, publishes and subscriptions the broker refused, packets too large.', [
      [{ what: 'connection' }, ctx.broker.counters.refused_connections],
      [{ what: 'publish' }, ctx.broker.counters.refused_publishes],
      [{ what: 'subscription' }, ctx.broker.counters.refused_subscriptions],
      [{ what: 'oversized' }, ctx.broker.counters.oversized_packets],
    ])
    x.gauge('tonypi_live_clients', 'Live WebSocket clients (dashboards).', [[undefined, ctx.live.count]])
    x.counter('tonypi_live_skipped_total', 'Live messages skipped for a client that could not keep up.', [[undefined, ctx.live.skipped]])

    const sync = ctx.sync.status()
    const lanes = 'backlog_by_lane' in sync ? sync.backlog_by_lane : null
    x.gauge('tonypi_sync_configured', 'Whether a hub is configured (1) or not (0).', [[undefined, sync.configured ? 1 : 0]])
    x.gauge('tonypi_sync_connected', 'Whether the hub answers and the live link is up (1) or not (0).', [[undefined, sync.connected ? 1 : 0]])
    x.gauge(
      'tonypi_sync_backlog_records',
      'Records waiting for the hub, by lane.',
      lanes
        ? [
            [{ lane: 'events' }, lanes.events],
            [{ lane: 'telemetry' }, lanes.telemetry],
          ]
        : [[{ lane: 'all' }, sync.backlog]],
    )
    x.gauge('tonypi_sync_lag_seconds', 'Age of the oldest record the hub does not have yet.', 'lag_ms' in sync ? [[undefined, sync.lag_ms / 1000]] : [])
    x.counter('tonypi_sync_batches_total', 'Sync batches sent to the hub.', [[undefined, ctx.sync.client?.sent.batches ?? 0]])
    x.counter('tonypi_sync_wire_bytes_total', 'Compressed sync bytes sent to the hub.', [[undefined, ctx.sync.client?.sent.wire_bytes ?? 0]])
    x.counter('tonypi_sync_dropped_samples_total', 'Samples the hub never received, dropped for the quota.', [[undefined, sync.dropped.total]])

    const open = ctx.db.$client.query('SELECT severity, count(*) n FROM alerts WHERE resolved = 0 GROUP BY severity').all() as { severity: string; n: number }[]
    x.gauge(
      'tonypi_alerts_open',
      'Open alerts, by severity.',
      ['info', 'warning', 'critical'].map((sev) => [{ severity: sev }, open.find((r) => r.severity === sev)?.n ?? 0]),
    )
    x.counter(
      'tonypi_alert_changes_total',
      'Alert changes (open, update, resolve, acknowledge), by severity.',
      [...this.alertChanges].map(([k, n]) => {
        const [change, severity] = k.split('|')
        return [{ change, severity } as Labels, n]
      }),
    )
    x.counter(
      'tonypi_commands_total',
      'Command outcomes, by state.',
      [...this.commands].map(([state, n]) => [{ state }, n]),
    )

    x.histogram('tonypi_http_request_duration_seconds', 'Time to answer an API request, by method, route pattern and status.', this.http.histogram)
    processMetrics(x, ctx.startedAt)
    return x.text()
  }
}
