// The robot's users (admins only): who may look (viewer), command (operator) and manage
// (admin), and who may not log in for now (deactivated: the account and its history stay).
// Changes are made on the robot at once; its API checks the role again.
import { useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { ROLES } from '../../core/roles.ts'
import type { ApiError } from '../lib/api.ts'
import { dateTime } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { PublicUser, Role } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { RecordTable } from './page-parts.ts'

const ROLE_HELP = 'Viewers see everything; operators also command the robot; admins also manage users.'

function CreateUser(props: { onCreated: () => void }) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: SubmitEvent) => {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    const email = String(f.get('email') ?? '').trim()
    setBusy(true)
    setError(null)
    try {
      const u = await api<PublicUser>('/users', {
        method: 'POST',
        json: { username: String(f.get('new-username')).trim(), password: String(f.get('new-password')), role: f.get('role'), email: email || null },
      })
      toast('success', `User ${u.username} created`, `Role: ${u.role}`)
      form.reset()
      props.onCreated()
    } catch (err) {
      setError((err as ApiError).message)
    } finally {
      setBusy(false)
    }
  }
  return html`<form class="form-grid" onSubmit=${submit} aria-label="Add a user">
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    <label class="field"><span>Username</span><input name="new-username" required maxlength="64" pattern="[A-Za-z0-9_.@\\-]+" autocomplete="off" /></label>
    <label class="field"><span>Password (8+ characters)</span><input name="new-password" type="password" required minlength="8" autocomplete="new-password" /></label>
    <label class="field"><span>Role</span><select name="role">${ROLES.map((r) => html`<option key=${r} value=${r}>${r}</option>`)}</select></label>
    <label class="field"><span>Email (optional)</span><input name="email" type="email" autocomplete="off" /></label>
    <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy}>Add user</button></div>
  </form>`
}

function UserRow(props: { user: PublicUser; self: boolean; onChanged: () => void }) {
  const { user, self } = props
  const [mode, setMode] = useState<'view' | 'password' | 'delete'>('view')
  const [error, setError] = useState<string | null>(null)
  const run = async (what: string, fn: () => Promise<unknown>) => {
    setError(null)
    try {
      await fn()
      toast('success', what)
      setMode('view')
      props.onChanged()
    } catch (err) {
      setError((err as ApiError).message)
    }
  }
  const setActive = (active: boolean) =>
    run(`${user.username} ${active ? 'reactivated' : 'deactivated'}`, () => api(`/users/${user.id}`, { method: 'PUT', json: { is_active: active } }))
  const setRole = (role: Role) => run(`${user.username} is now ${role}`, () => api(`/users/${user.id}`, { method: 'PUT', json: { role } }))
  const setPassword = (e: SubmitEvent) => {
    e.preventDefault()
    const pw = String(new FormData(e.currentTarget as HTMLFormElement).get('reset-password'))
    void run(`Password of ${user.username} changed`, () => api(`/users/${user.id}`, { method: 'PUT', json: { password: pw } }))
  }
  return html`<tr data-user=${user.username} data-active=${String(user.is_active)}>
    <td data-label="User"><strong>${user.username}</strong>${self ? html` <span class="pill tone-muted">you</span>` : null}${!user.is_active ? html` <span class="pill tone-warn" title="Cannot log in; none of their tokens work">deactivated</span>` : null}</td>
    <td data-label="Role"><select aria-label=${`Role of ${user.username}`} value=${user.role} disabled=${self} title=${self ? 'You cannot change your own role' : ROLE_HELP}
      onChange=${(e: Event) => setRole((e.target as HTMLSelectElement).value as Role)}>${ROLES.map((r) => html`<option key=${r} value=${r}>${r}</option>`)}</select></td>
    <td data-label="Email">${user.email ?? '\u2014'}</td>
    <td data-label="Created">${dateTime(user.created_at)}</td>
    <td data-label="" class="row-actions">
      ${
        mode === 'password'
          ? html`<form class="inline-form" onSubmit=${setPassword}>
          <input name="reset-password" type="password" minlength="8" required aria-label=${`New password for ${user.username}`} autocomplete="new-password" />
          <button type="submit" class="btn btn-small">Set</button><button type="button" class="btn btn-small btn-ghost" onClick=${() => setMode('view')}>Cancel</button></form>`
          : mode === 'delete'
            ? html`<span class="inline-form">Delete ${user.username}?
          <button type="button" class="btn btn-small btn-danger" onClick=${() => run(`User ${user.username} deleted`, () => api(`/users/${user.id}`, { method: 'DELETE' }))}>Delete</button>
          <button type="button" class="btn btn-small btn-ghost" onClick=${() => setMode('view')}>Cancel</button></span>`
            : html`<button type="button" class="btn btn-small btn-ghost" onClick=${() => setMode('password')}>Set password</button>
          <button type="button" class="btn btn-small btn-ghost" data-action=${user.is_active ? 'user-deactivate' : 'user-reactivate'} disabled=${self && user.is_active}
            title=${self ? 'You cannot deactivate yourself' : user.is_active ? 'Keep the account, but it cannot log in and its tokens stop working' : 'Let the account log in again'}
            onClick=${() => setActive(!user.is_active)}>${user.is_active ? 'Deactivate' : 'Reactivate'}</button>
          <button type="button" class="btn btn-small btn-ghost" disabled=${self} title=${self ? 'You cannot delete yourself' : undefined} onClick=${() => setMode('delete')}>Delete</button>`
      }
      ${error ? html`<div class="form-error small" role="alert">${error}</div>` : null}
    </td>
  </tr>`
}

export function UsersPage() {
  const me = useObservable(session)?.user
  const [users, reload] = useApi<PublicUser[]>('/users')
  const list = users.state === 'ok' || users.state === 'error' ? users.data : undefined
  return html`<div class="stack">
    <${Card} title="Users" data-card="users">
      <p class="muted small">${ROLE_HELP}</p>
      ${users.state === 'error' ? html`<p class="form-error" role="alert">${users.error.message}</p>` : null}
      ${
        list
          ? html`<${RecordTable} label="Users">
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Email</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${list.map((u) => html`<${UserRow} key=${u.id} user=${u} self=${u.id === me?.id} onChanged=${reload} />`)}</tbody>
      <//>`
          : html`<p class="muted" role="status">Loading\u2026</p>`
      }
    <//>
    <${Card} title="Add a user" data-card="add-user"><${CreateUser} onCreated=${reload} /><//>
  </div>`
}
