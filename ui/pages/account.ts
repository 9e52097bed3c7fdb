// The logged-in user's own account: who they are here, and their password.
import { useState } from 'preact/hooks'
import { Card, Reading } from '../components/card.ts'
import type { ApiError } from '../lib/api.ts'
import { dateTime } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, logout, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'

export function AccountPage() {
  const u = useObservable(session)!.user
  const [error, setError] = useState<string | null>(null)
  const submit = async (e: SubmitEvent) => {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    if (f.get('new_password') !== f.get('confirm_password')) {
      setError('The new passwords do not match.')
      return
    }
    setError(null)
    try {
      await api('/auth/me/password', { method: 'POST', json: { current_password: f.get('current_password'), new_password: f.get('new_password') } })
      form.reset()
      toast('success', 'Password changed')
    } catch (err) {
      setError((err as ApiError).message)
    }
  }
  return html`<div class="grid-cards">
    <${Card} title="You">
      <div class="readings">
        <${Reading} label="Username" value=${u.username} />
        <${Reading} label="Role" value=${u.role} />
        <${Reading} label="Email" value=${u.email ?? '\u2014'} />
        <${Reading} label="Account created" value=${dateTime(u.created_at)} />
      </div>
      <button type="button" class="btn" onClick=${() => logout()}>Log out</button>
    <//>
    <${Card} title="Change password">
      <form class="stack" onSubmit=${submit}>
        ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
        <label class="field"><span>Current password</span><input name="current_password" type="password" required autocomplete="current-password" /></label>
        <label class="field"><span>New password (8+ characters)</span><input name="new_password" type="password" required minlength="8" autocomplete="new-password" /></label>
        <label class="field"><span>New password again</span><input name="confirm_password" type="password" required minlength="8" autocomplete="new-password" /></label>
        <div><button type="submit" class="btn btn-primary">Change password</button></div>
      </form>
    <//>
  </div>`
}
