import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, errorText } from '../api/client'
import { useAuth } from '../auth'
import { useI18n } from '../i18n'
import { shortTime } from '../lib/format'

const MANAGERS = ['owner', 'admin']

/** The team: who works here and in which role; invite by e-mail, change a role, deactivate,
 * unlock a user locked out by too many wrong passwords. */
export function TeamPage() {
  const { t, lang } = useI18n()
  const { me } = useAuth()
  const queryClient = useQueryClient()
  const manages = !!me && MANAGERS.includes(me.role)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('agent')
  const [link, setLink] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  const users = useQuery({
    queryKey: ['team'],
    queryFn: async () => {
      const { data, error: failure } = await api.GET('/api/team')
      if (failure) throw new Error(errorText(failure))
      return data
    },
  })
  const roles = useQuery({
    queryKey: ['team', 'roles'],
    queryFn: async () => (await api.GET('/api/team/roles')).data ?? [],
  })
  const invites = useQuery({
    queryKey: ['team', 'invites'],
    enabled: manages,
    queryFn: async () => (await api.GET('/api/team/invites')).data ?? [],
  })
  const roleNames = (roles.data ?? []).map((r) => r.role)
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['team'] })

  async function invite(event: FormEvent) {
    event.preventDefault()
    setError(null)
    setLink(null)
    const { data, error: failure } = await api.POST('/api/team/invites', {
      body: { email, role: role as never },
    })
    if (failure) return setError(errorText(failure))
    setLink(data.link)
    setEmail('')
    refresh()
  }

  async function change(userId: string, body: { role?: string; active?: boolean }) {
    setError(null)
    const { error: failure } = await api.PATCH('/api/team/users/{user_id}', {
      params: { path: { user_id: userId } },
      body: body as never,
    })
    if (failure) setError(errorText(failure))
    refresh()
  }

  async function unlock(userId: string) {
    setError(null)
    const { error: failure } = await api.POST('/api/team/users/{user_id}/unlock', {
      params: { path: { user_id: userId } },
    })
    if (failure) setError(errorText(failure))
    refresh()
  }

  async function withdraw(inviteId: string) {
    await api.DELETE('/api/team/invites/{invite_id}', { params: { path: { invite_id: inviteId } } })
    refresh()
  }

  return (
    <div className="page">
      <h1>{t('team.title')}</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="grid" data-testid="team">
        <thead>
          <tr>
            <th>{t('team.name')}</th>
            <th>{t('login.email')}</th>
            <th>{t('team.role')}</th>
            <th>{t('team.status')}</th>
            <th>{t('team.since')}</th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((user) => (
            <tr key={user.id} className={user.active ? '' : 'inactive'}>
              <td>{user.name}</td>
              <td className="mono">{user.email}</td>
              <td>
                {manages && user.id !== me?.user_id ? (
                  <select
                    aria-label={`${t('team.role')} ${user.email}`}
                    value={user.role}
                    onChange={(e) => void change(user.id, { role: e.target.value })}
                  >
                    {roleNames.map((name) => (
                      <option key={name} value={name}>
                        {t(`role.${name}`)}
                      </option>
                    ))}
                  </select>
                ) : (
                  t(`role.${user.role}`)
                )}
              </td>
              <td>
                {user.active ? t('team.active') : t('team.inactive')}
                {manages && user.id !== me?.user_id && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => void change(user.id, { active: !user.active })}
                  >
                    {user.active ? t('team.deactivate') : t('team.reactivate')}
                  </button>
                )}
                {user.locked_until && (
                  <div className="warn-line" data-testid={`locked-${user.email}`}>
                    {t('team.locked', { until: shortTime(user.locked_until, lang) })}
                    {manages && (
                      <button type="button" className="link" onClick={() => void unlock(user.id)}>
                        {t('team.unlock')}
                      </button>
                    )}
                  </div>
                )}
              </td>
              <td className="muted">{shortTime(user.created_at, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {manages && (
        <>
          <h2>{t('team.invite')}</h2>
          <form className="inline-form" onSubmit={invite}>
            <input
              type="email"
              required
              aria-label={t('login.email')}
              placeholder={t('login.email')}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <select aria-label={t('team.role')} value={role} onChange={(e) => setRole(e.target.value)}>
              {roleNames.map((name) => (
                <option key={name} value={name}>
                  {t(`role.${name}`)}
                </option>
              ))}
            </select>
            <button type="submit" className="primary">
              {t('team.sendInvite')}
            </button>
          </form>
          {link && (
            <p className="notice" data-testid="invite-link">
              {t('team.linkHint')} <a href={link} className="mono">{link}</a>
            </p>
          )}
          {(invites.data ?? []).length > 0 && (
            <table className="grid" data-testid="invites">
              <thead>
                <tr>
                  <th>{t('login.email')}</th>
                  <th>{t('team.role')}</th>
                  <th>{t('team.expires')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {(invites.data ?? []).map((invite) => (
                  <tr key={invite.id}>
                    <td className="mono">{invite.email}</td>
                    <td>{t(`role.${invite.role}`)}</td>
                    <td className="muted">{shortTime(invite.expires_at, lang)}</td>
                    <td>
                      <button type="button" className="link" onClick={() => void withdraw(invite.id)}>
                        {t('team.withdraw')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  )
}
