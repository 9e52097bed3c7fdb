// Entry point: theme first (no flash), then the router and the app.
import './styles/index.css'
import { render } from 'preact'
import { App } from './app.ts'
import { html } from './lib/html.ts'
import { startRouter } from './lib/router.ts'
import { startTheme } from './lib/theme.ts'

startTheme()
startRouter()
const root = document.getElementById('app')!
root.textContent = ''
render(html`<${App} />`, root)
