// The Raspberry Pi and the edge service: CPU, memory, disk, temperature, network, power
// (throttling and under-voltage), and the local store.
import { useEffect } from 'preact/hooks'
import { Sparkline } from '../charts/sparkline.ts'
import { Card, Meter, Reading } from '../components/card.ts'
import { bitsPerSecond, bytes, dateTime, duration, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { decodeThrottled, throttleSummary } from '../lib/throttle-flags.ts'
import type { EdgeStats, RobotStatus } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { useLive } from '../live/use-live.ts'
import { useRobotLink } from '../robot/robot-link.ts'
import { useRobotSession } from '../robot/robot-session.ts'

const TEN_MIN = 600_000

/** The servo bus's own counters: a loose plug or a noisy wire shows here first. */
function BusCard() {
  const rs = useRobotSession()
  const [status] = useApi<RobotStatus>(rs.statusPath, { refreshMs: 2_000 })
  const buses = status.state === 'ok' || status.state === 'error' ? status.data?.buses : undefined
  return html`<${Card} title="Servo bus" data-card="bus">
    ${
      !buses?.length
        ? html`<p class="muted">This robot reports no bus diagnostics.</p>`
        : buses.map(
            (b) => html`<div key=${b.name} class="readings">
      <${Reading} label="Bus" value=${b.name} />
      <${Reading} label="Sweeps" value=${`${num(b.sweeps_per_s, 1)}/s`} />
      <${Reading} label="Transactions" value=${`${num(b.transactions_per_s, 0)}/s`} />
      <${Reading} label="Answered" value=${b.requests ? `${((b.replies / b.requests) * 100).toFixed(1)}\u202f%` : '\u2014'} tone=${b.requests && b.replies / b.requests < 0.99 ? 'warn' : undefined} />
      <${Reading} label="Timeouts / retries" value=${`${b.timeouts} / ${b.retries}`} tone=${b.timeouts ? 'warn' : undefined} />
      <${Reading} label="Checksum errors" value=${String(b.checksum_errors)} tone=${b.checksum_errors ? 'warn' : undefined} />
      <${Reading} label="Discarded bytes" value=${String(b.discarded_bytes)} />
      ${b.last_error ? html`<${Reading} label="Last error" value=${b.last_error} tone="bad" />` : null}
    </div>`,
          )
    }
  <//>`
}

export function MonitoringPage() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 4, ['performance'])
  // The one page that draws the Pi's last ten minutes fetches them.
  useEffect(() => {
    void rs.seedChartHistory('performance', TEN_MIN)
  }, [rs])
  // The edge's own service counters; the hub has none per robot.
  const [stats] = useApi<EdgeStats>(rs.fleet ? null : '/stats', { refreshMs: 5_000 })
  const p = robot.performance?.values
  const h = robot.perfHistory
  const cores = p
    ? Object.keys(p)
        .filter((k) => /^cpu\d+_percent$/.test(k))
        .sort((a, b) => parseInt(a.slice(3), 10) - parseInt(b.slice(3), 10))
    : []
  const flags = p?.throttled !== undefined ? decodeThrottled(p.throttled) : null
  const power = throttleSummary(flags)
  const st = stats.state === 'ok' || stats.state === 'error' ? stats.data : undefined

  const link = useRobotLink(rs)
  if (!robot.performance) {
    return html`<p class="muted" role="status">${rs.fleet ? `No performance reading from ${rs.robotId} in the last 10 minutes yet; waiting for one\u2026` : 'Waiting for the first performance reading\u2026'}</p>`
  }

  return html`${link.live ? null : html`<p class="muted" data-last-known=${robot.performance.ts}>Last known values, from ${dateTime(robot.performance.ts, { seconds: true })}; not live.</p>`}
  <div class="grid-cards">
    <${Card} title="CPU" data-card="cpu">
      <${Meter} label="All cores" percent=${p?.cpu_percent} />
      ${cores.map((k) => html`<${Meter} key=${k} label=${`Core ${k.slice(3, -8)}`} percent=${p?.[k]} />`)}
      <div class="readings">
        <${Reading} label="Load (1, 5, 15 min)" value=${p ? `${num(p.load_1, 2)}, ${num(p.load_5, 2)}, ${num(p.load_15, 2)}` : '\u2014'} />
        <${Reading} label="Uptime" value=${duration(p?.uptime_s)} />
      </div>
      <${Sparkline} ring=${h.cpu_percent} label="CPU, last 10 minutes" spanMs=${TEN_MIN} bounds=${[0, 100]} class="spark-wide" />
    <//>
    <${Card} title="Memory and disk" data-card="memory">
      <${Meter} label="Memory" percent=${p?.mem_percent} text=${p?.mem_used_bytes !== undefined ? `${bytes(p.mem_used_bytes)} of ${bytes(p.mem_total_bytes)}` : undefined} />
      <${Sparkline} ring=${h.mem_percent} label="Memory, last 10 minutes" spanMs=${TEN_MIN} bounds=${[0, 100]} class="spark-wide" />
      <${Meter} label="Disk" percent=${p?.disk_percent} text=${p?.disk_used_bytes !== undefined ? `${bytes(p.disk_used_bytes)} of ${bytes(p.disk_total_bytes)}` : undefined} />
      <div class="readings"><${Reading} label="Disk free" value=${bytes(p?.disk_free_bytes)} /></div>
    <//>
    <${Card} title="Temperature" data-card="temperature">
      ${
        p?.cpu_temp_c !== undefined
          ? html`
        <div class="readings"><${Reading} label="CPU temperature" value=${num(p.cpu_temp_c, 1, '\u00b0C')} tone=${p.cpu_temp_c >= 80 ? 'bad' : p.cpu_temp_c >= 70 ? 'warn' : 'ok'}
          hint="The Pi throttles its CPU at 80 \u00b0C (soft limit from 60 \u00b0C on some models)." /></div>
        <${Sparkline} ring=${h.cpu_temp_c} label="CPU temperature, last 10 minutes" spanMs=${TEN_MIN} minRange=${5} class="spark-wide" />`
          : html`<p class="muted">This machine does not report a CPU temperature.</p>`
      }
    <//>
    <${Card} title="Power" data-card="power">
      <div class=${`status-line tone-${power.tone}`} data-throttling=${power.tone}><span class="dot" aria-hidden="true"></span>${power.text}</div>
      ${
        flags
          ? html`<ul class="flag-list">
        ${(
          [
            ['Under-voltage', flags.under_voltage_now, flags.under_voltage_occurred],
            ['Throttled', flags.throttled_now, flags.throttled_occurred],
            ['Frequency capped', flags.freq_capped_now, flags.freq_capped_occurred],
            ['Soft temperature limit', flags.soft_temp_limit_now, flags.soft_temp_limit_occurred],
          ] as const
        ).map(
          ([name, now, past]) =>
            html`<li key=${name} class=${now ? 'tone-bad' : past ? 'tone-warn' : ''}>${name}: ${now ? 'now' : past ? 'since boot' : 'no'}</li>`,
        )}
      </ul>`
          : html`<p class="muted small">Throttling and under-voltage are read from the Pi firmware (vcgencmd); this machine does not provide them.</p>`
      }
    <//>
    <${Card} title="Network" data-card="network">
      <div class="readings">
        <${Reading} label="Receive" value=${bitsPerSecond(p?.net_rx_bps)} />
        <${Reading} label="Send" value=${bitsPerSecond(p?.net_tx_bps)} />
        <${Reading} label="Received since boot" value=${bytes(p?.net_rx_bytes)} />
        <${Reading} label="Sent since boot" value=${bytes(p?.net_tx_bytes)} />
      </div>
      <div class="spark-pair">
        <div><span class="small muted">Receive</span><${Sparkline} ring=${h.net_rx_bps} label="Receive rate, last 10 minutes" spanMs=${TEN_MIN} minRange=${1000} /></div>
        <div><span class="small muted">Send</span><${Sparkline} ring=${h.net_tx_bps} label="Send rate, last 10 minutes" spanMs=${TEN_MIN} minRange=${1000} /></div>
      </div>
    <//>
    <${BusCard} />
    ${
      rs.fleet
        ? null
        : html`<${Card} title="Edge service" data-card="edge">
      ${
        st
          ? html`<div class="readings">
        <${Reading} label="Database" value=${`${bytes(st.store.db_bytes)} of ${bytes(st.store.quota_bytes)}`} />
        <${Reading} label="Records stored" value=${st.store.seq.toLocaleString()} />
        <${Reading} label="Dropped (quota)" value=${`${st.store.dropped_chunks} chunks, ${st.store.dropped_samples} samples`} tone=${st.store.dropped_chunks || st.store.dropped_samples ? 'warn' : undefined} />
        <${Reading} label="Last write" value=${st.store.last_flush_error ? `Failed: ${st.store.last_flush_error}` : dateTime(st.store.last_flush_ts)} tone=${st.store.last_flush_error ? 'bad' : undefined} />
        <${Reading} label="Live viewers" value=${String(st.live.clients)} />
        <${Reading} label="MQTT clients" value=${String(st.mqtt.clients)} />
      </div>`
          : html`<p class="muted">Loading\u2026</p>`
      }
    <//>`
    }
  </div>`
}
