// One servo: position and angle with a live sparkline, temperature, voltage, torque and
// health; controls for operators.
import { positionToDegrees } from '../../core/units.ts'
import { Sparkline } from '../charts/sparkline.ts'
import { jointName, num, signed } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import type { CommandClient } from '../robot/commands.ts'
import type { ServoLive } from '../robot/robot-live.ts'
import { servoHealth, tempTone, voltTone } from '../robot/servo-health.ts'
import { ServoControls } from './servo-controls.ts'

export function ServoCard(props: { servo: ServoLive; stale: boolean; offline: boolean; controls: boolean; durationMs: number; commands: CommandClient; estopped: boolean }) {
  const { servo: s, stale } = props
  const name = jointName(s.name)
  const label = `servo ${s.id} (${name})`
  const health = servoHealth(s, stale, props.offline)
  return html`<article class=${`servo-card ${stale ? 'is-stale' : ''}`} data-servo-id=${s.id} data-position=${s.position ?? ''}
      data-torque=${s.torque === null ? '' : String(s.torque)} data-stale=${String(stale)} data-ts=${s.ts ?? ''} aria-label=${`Servo ${s.id}, ${name}`}>
    <header class="servo-head">
      <span class="servo-id">${s.id}</span>
      <span class="servo-name" title=${s.name}>${name}</span>
      <span class=${`pill tone-${health.tone ?? 'ok'}`}>${health.label}</span>
    </header>
    <div class="servo-main">
      <span class="servo-pos" aria-label="Position">${num(s.position)}</span>
      <span class="servo-angle" aria-label="Angle from centre">${s.position === null ? '\u2014' : signed(positionToDegrees(s.position), 1, '\u00b0')}</span>
      ${s.target !== null ? html`<span class="servo-target" title="Commanded target">\u2192 ${s.target}</span>` : null}
    </div>
    <${Sparkline} ring=${s.history} label=${`Position of ${label}, last 10 seconds`} minRange=${20} target=${s.target} />
    <dl class="servo-facts">
      <div class=${`tone-${tempTone(s.temperature_c) ?? 'none'}`}><dt>Temp</dt><dd>${num(s.temperature_c, 0, '\u00b0C')}</dd></div>
      <div class=${`tone-${voltTone(s.voltage_v) ?? 'none'}`}><dt>Volt</dt><dd>${num(s.voltage_v, 2, 'V')}</dd></div>
      <div><dt>Torque</dt><dd>${s.torque === null ? '\u2014' : s.torque ? 'on' : 'off'}</dd></div>
    </dl>
    ${props.controls ? html`<${ServoControls} servo=${s} label=${label} durationMs=${props.durationMs} commands=${props.commands} disabled=${props.estopped} />` : null}
  </article>`
}
