// Logging in. The robot's own users; the first admin's password was printed once when the
// robot first started (and saved in its data directory).
import { useState } from 'preact/hooks'
import { ThemeToggle } from '../components/theme-toggle.ts'
import type { ApiError } from '../lib/api.ts'
import { html } from '../lib/html.ts'
import { FLEET } from '../lib/mode.ts'
import { useObservable } from '../lib/observable.ts'
import { login, logoutReason } from '../lib/session.ts'

export function LoginPage() {
  const reason = useObservable(logoutReason)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: SubmitEvent) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget as HTMLFormElement)
    setBusy(true)
    setError(null)
    try {
      await login(String(form.get('username') ?? '').trim(), String(form.get('password') ?? ''))
    } catch (err) {
      const a = err as ApiError
      setError(
        a.status === 401
          ? 'Wrong username or password.'
          : a.status === 429
            ? `Too many failed attempts. ${a.message}`
            : a.offline
              ? FLEET
                ? 'The hub did not answer. Is this device on its network?'
                : 'The robot did not answer. Is it on, and is this device on its network?'
              : a.message,
      )
      setBusy(false)
    }
  }

  return html`<div class="login-page">
    <div class="login-theme"><${ThemeToggle} /></div>
    <main class="login-card" id="main">
      <div class="login-brand"><span class="logo" aria-hidden="true"></span><h1>TonyPi Monitor</h1></div>
      <form onSubmit=${submit} aria-describedby=${error || reason ? 'login-msg' : undefined}>
        ${error || reason ? html`<p id="login-msg" class=${error ? 'form-error' : 'form-note'} role=${error ? 'alert' : 'status'}>${error ?? reason}</p>` : null}
        <label class="field"><span>Username</span>
          <input name="username" autocomplete="username" autocapitalize="none" spellcheck=${false} required autofocus /></label>
        <label class="field"><span>Password</span>
          <input name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit" class="btn btn-primary btn-block" disabled=${busy}>${busy ? 'Logging in\u2026' : 'Log in'}</button>
      </form>
      <p class="muted small">First start? The admin password was printed once by the ${FLEET ? 'hub' : 'robot'} and saved in its data directory (<code>admin-password</code>).</p>
    </main>
  </div>`
}
