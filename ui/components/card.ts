// The page's building blocks: a titled card, and a labelled reading inside it.
import type { ComponentChildren } from 'preact'
import { html } from '../lib/html.ts'

export function Card(props: { title: string; class?: string; actions?: ComponentChildren; children?: ComponentChildren; [k: string]: unknown }) {
  const { title, class: cls, actions, children, ...rest } = props
  return html`<section class=${`card ${cls ?? ''}`} aria-label=${title} ...${rest}>
    <header class="card-head"><h2>${title}</h2>${actions ? html`<div class="card-actions">${actions}</div>` : null}</header>
    ${children}
  </section>`
}

export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | undefined

export function Reading(props: { label: string; value: ComponentChildren; tone?: Tone; hint?: string; [k: string]: unknown }) {
  const { label, value, tone, hint, ...rest } = props
  return html`<div class=${`reading ${tone ? `tone-${tone}` : ''}`} title=${hint} ...${rest}>
    <span class="reading-label">${label}</span>
    <span class="reading-value">${value}</span>
  </div>`
}

/** A horizontal bar for a percentage, with its number for people and screen readers. */
export function Meter(props: { label: string; percent: number | null | undefined; warnAt?: number; badAt?: number; lowIsBad?: boolean; text?: string }) {
  const p = props.percent
  const known = p !== null && p !== undefined && Number.isFinite(p)
  // For a battery, little is bad; for a CPU, much is.
  const level = known ? (props.lowIsBad ? 100 - p! : p!) : 0
  const tone = !known ? 'muted' : level >= (props.badAt ?? 90) ? 'bad' : level >= (props.warnAt ?? 75) ? 'warn' : 'ok'
  return html`<div class=${`meter tone-${tone}`}>
    <div class="meter-top"><span>${props.label}</span><span class="meter-num">${props.text ?? (known ? `${p!.toFixed(0)}\u202f%` : '\u2014')}</span></div>
    <div class="meter-track" role="meter" aria-label=${props.label} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${known ? Math.round(p!) : undefined}>
      <div class="meter-fill" style=${`width:${known ? Math.max(0, Math.min(100, p!)) : 0}%`}></div>
    </div>
  </div>`
}
