// The operations dashboard: how the robots' edges and the hub are doing as services, from the
// operator's own Prometheus scraping their /metrics (edge/metrics.ts, hub/metrics.ts) under the
// jobs `tonypi-edge` and `tonypi-hub` (the README's scrape configuration). Every metric and label
// a query names is checked against what the endpoints serve (test/ops/grafana-metrics.test.ts).
import { dashboard, prom, stat, timeseries, type Dashboard } from './panels.ts'

const EDGE = 'job="tonypi-edge"'
const HUB = 'job="tonypi-hub"'

export const OPERATIONS: Dashboard = dashboard({
  uid: 'tonypi-ops',
  title: 'TonyPi operations',
  description: "The edges' and the hub's own health: polling, buses, storage, brokers, sync, alerts, API latency, memory (Prometheus).",
  from: 'now-6h',
  panels: [
    stat('Robots online', prom([`tonypi_hub_robots{${HUB}, state="online"}`]), { unit: 'none', decimals: 0 }),
    stat('Robots registered', prom([`tonypi_hub_robots{${HUB}, state="registered"}`]), { unit: 'none', decimals: 0 }),
    stat('Open alerts (fleet)', prom([`sum(tonypi_alerts_open{${HUB}})`]), { unit: 'none', decimals: 0 }),
    stat('Webhook deliveries waiting', prom([`tonypi_hub_webhook_outbox{${HUB}}`]), { unit: 'none', decimals: 0 }),

    timeseries('Poll rate by stream', prom([`sum by (instance, stream) (rate(tonypi_samples_total{${EDGE}}[5m]))`], { legend: '{{instance}} {{stream}}' }), {
      unit: 'hertz',
      description: 'Samples a second each edge measures, per stream (positions, IMU, health, battery, Pi).',
    }),
    timeseries(
      'Servo bus faults',
      prom(
        [
          `sum by (instance, bus) (rate(tonypi_bus_timeouts_total{${EDGE}}[5m]))`,
          `sum by (instance, bus) (rate(tonypi_bus_checksum_errors_total{${EDGE}}[5m]))`,
          `sum by (instance, bus) (rate(tonypi_bus_errors_total{${EDGE}}[5m]))`,
        ],
        { legend: '{{instance}} {{bus}}' },
      ),
      { unit: 'ops', description: 'Timeouts, bad checksums and transport errors a second (robots with a hardware bus).' },
    ),
    timeseries('Position sweeps a second', prom([`tonypi_bus_sweeps_per_second{${EDGE}}`], { legend: '{{instance}} {{bus}}' }), { unit: 'hertz' }),
    timeseries('Stale servos', prom([`tonypi_servos{${EDGE}, state="stale"}`], { legend: '{{instance}}' }), { unit: 'none', decimals: 0 }),
    timeseries('Database size', prom([`tonypi_store_db_bytes{${EDGE}}`, `tonypi_store_quota_bytes{${EDGE}}`], { legend: '{{instance}} {{__name__}}' }), {
      unit: 'bytes',
      description: 'What each robot stores, against its quota.',
    }),
    timeseries(
      'Storage writes (SD-card wear)',
      prom([`rate(tonypi_process_storage_written_bytes_total{${EDGE}}[15m])`, `rate(tonypi_store_journal_written_bytes_total{${EDGE}}[15m])`], {
        legend: '{{instance}} {{__name__}}',
      }),
      { unit: 'Bps', description: "Bytes a second the edge writes to its card, and the tick journal's share (README, Storage)." },
    ),
    timeseries(
      'Samples dropped',
      prom([`sum by (instance, reason) (increase(tonypi_store_dropped_samples_total{${EDGE}}[1h]))`], { legend: '{{instance}} {{reason}}' }),
      { unit: 'none', description: 'Dropped for the quota (oldest first) or never written (the card refused them), per hour.' },
    ),
    timeseries('MQTT clients', prom([`tonypi_mqtt_clients{${EDGE}}`], { legend: '{{instance}}' }), { unit: 'none', decimals: 0 }),
    timeseries(
      'MQTT drops and refusals',
      prom([
        [`rate(tonypi_mqtt_dropped_total{${EDGE}}[5m])`, '{{instance}} dropped'],
        [`sum by (instance, what) (rate(tonypi_mqtt_refused_total{${EDGE}}[5m]))`, '{{instance}} refused {{what}}'],
        [`rate(tonypi_hub_mqtt_dropped_total{${HUB}}[5m])`, 'hub dropped'],
      ]),
      { unit: 'ops' },
    ),
    timeseries('Sync backlog (robots)', prom([`sum by (instance, lane) (tonypi_sync_backlog_records{${EDGE}})`], { legend: '{{instance}} {{lane}}' }), {
      unit: 'none',
    }),
    timeseries('Sync lag (robots)', prom([`tonypi_sync_lag_seconds{${EDGE}}`], { legend: '{{instance}}' }), { unit: 's' }),
    timeseries('Since the last sync batch (hub)', prom([`tonypi_hub_sync_lag_seconds{${HUB}}`], { legend: '{{robot_id}}' }), { unit: 's' }),
    timeseries('Sync batches at the hub', prom([`sum by (outcome) (rate(tonypi_hub_sync_batches_total{${HUB}}[5m]))`], { legend: '{{outcome}}' }), {
      unit: 'ops',
    }),
    timeseries(
      'Hub ingest',
      prom([
        [`rate(tonypi_hub_mqtt_messages_total{${HUB}}[5m])`, 'MQTT messages'],
        [`rate(tonypi_hub_influx_written_lines_total{${HUB}}[5m])`, 'InfluxDB lines written'],
        [`sum by (reason) (rate(tonypi_hub_influx_dropped_lines_total{${HUB}}[5m]))`, 'InfluxDB lines dropped ({{reason}})'],
      ]),
      { unit: 'ops', description: 'MQTT messages from robots, lines InfluxDB took, and lines given up on.' },
    ),
    timeseries('Open alerts by severity', prom([`sum by (job, severity) (tonypi_alerts_open)`], { legend: '{{job}} {{severity}}' }), {
      unit: 'none',
      decimals: 0,
    }),
    timeseries('Webhook deliveries', prom([`sum by (outcome) (increase(tonypi_hub_webhook_deliveries_total{${HUB}}[1h]))`], { legend: '{{outcome}}' }), {
      unit: 'none',
    }),
    timeseries(
      'API latency (p95)',
      prom([`histogram_quantile(0.95, sum by (job, le) (rate(tonypi_http_request_duration_seconds_bucket[5m])))`], { legend: '{{job}}' }),
      { unit: 's', description: '95th percentile of the time to answer an API request, edges and hub.' },
    ),
    timeseries('API requests', prom([`sum by (job, status) (rate(tonypi_http_request_duration_seconds_count[5m]))`], { legend: '{{job}} {{status}}' }), {
      unit: 'reqps',
    }),
    timeseries(
      'Memory',
      prom([
        [`process_resident_memory_bytes{job=~"tonypi-edge|tonypi-hub"}`, 'resident {{job}} {{instance}}'],
        [`tonypi_process_heap_bytes{job=~"tonypi-edge|tonypi-hub"}`, 'heap {{job}} {{instance}}'],
        [`tonypi_process_heap_external_bytes{job=~"tonypi-edge|tonypi-hub"}`, 'heap outside (buffers) {{job}} {{instance}}'],
      ]),
      {
        unit: 'bytes',
        description:
          'A heap that keeps rising is a leak (its part outside, buffers, is shown apart). A resident size that rises over a flat heap is native: memory the allocator keeps, or native code holds.',
      },
    ),
    timeseries('Open files', prom([`process_open_fds{job=~"tonypi-edge|tonypi-hub"}`], { legend: '{{job}} {{instance}}' }), { unit: 'none', decimals: 0 }),
  ],
})
