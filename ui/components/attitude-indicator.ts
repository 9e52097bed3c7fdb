// An artificial horizon for the robot's roll and pitch: the horizon tilts against the
// roll and rises as the robot tips forward, as a pilot's instrument does. SVG, so it stays
// sharp on a phone and costs one attribute change per frame.
import { useId } from 'preact/hooks'
import { html } from '../lib/html.ts'

const PX_PER_DEG = 2
const LADDER = [-60, -45, -30, -15, 15, 30, 45, 60]

export function AttitudeIndicator(props: { roll: number | null; pitch: number | null; fallen: boolean }) {
  const clip = `att-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`
  const known = props.roll !== null && props.pitch !== null
  const roll = props.roll ?? 0
  const pitch = Math.max(-90, Math.min(90, props.pitch ?? 0))
  const label = known
    ? `Attitude: roll ${roll.toFixed(1)} degrees, pitch ${pitch.toFixed(1)} degrees${props.fallen ? ', fallen' : ''}`
    : 'Attitude: no IMU reading'
  return html`<svg class=${`attitude ${props.fallen ? 'is-fallen' : ''} ${known ? '' : 'is-unknown'}`} viewBox="-100 -100 200 200" role="img" aria-label=${label}>
    <defs><clipPath id=${clip}><circle r="90" /></clipPath></defs>
    <g clip-path=${`url(#${clip})`}>
      <g transform=${`rotate(${-roll}) translate(0 ${-pitch * PX_PER_DEG})`}>
        <rect class="att-sky" x="-400" y="-400" width="800" height="400" />
        <rect class="att-ground" x="-400" y="0" width="800" height="400" />
        <line class="att-horizon" x1="-400" x2="400" y1="0" y2="0" />
        ${LADDER.map(
          (d) => html`<g key=${d}>
          <line class="att-ladder" x1=${Math.abs(d) % 30 === 0 ? -28 : -14} x2=${Math.abs(d) % 30 === 0 ? 28 : 14} y1=${-d * PX_PER_DEG} y2=${-d * PX_PER_DEG} />
          ${Math.abs(d) % 30 === 0 ? html`<text class="att-text" x="34" y=${-d * PX_PER_DEG + 4}>${Math.abs(d)}</text>` : null}
        </g>`,
        )}
      </g>
    </g>
    <circle class="att-bezel" r="90" />
    ${[-60, -45, -30, -20, -10, 0, 10, 20, 30, 45, 60].map((a) => html`<line key=${a} class="att-tick" x1="0" x2="0" y1="-90" y2=${a % 30 === 0 ? -80 : -85} transform=${`rotate(${a})`} />`)}
    <path class="att-pointer" d="M0,-78 L-6,-68 L6,-68 Z" transform=${`rotate(${-roll})`} />
    <g class="att-robot">
      <line x1="-48" x2="-16" y1="0" y2="0" /><line x1="16" x2="48" y1="0" y2="0" />
      <polyline points="-16,0 0,10 16,0" fill="none" /><circle r="2.5" />
    </g>
    ${props.fallen ? html`<text class="att-fallen" x="0" y="52" text-anchor="middle">FALLEN</text>` : null}
  </svg>`
}
