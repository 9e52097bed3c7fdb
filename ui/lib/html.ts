// htm bound to Preact's h: tagged templates instead of a JSX build step.
export { html } from 'htm/preact'
