import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react'
import { api, setUnauthorizedHandler, tokenStore, type MePublic } from './api/client'

type Auth = {
  token: string | null
  me: MePublic | undefined
  login: (email: string, password: string) => Promise<boolean>
  /** Use a token issued by another endpoint (sign-up, an accepted invite, a password change). */
  adopt: (token: string) => void
  logout: () => void
}

const AuthContext = createContext<Auth>({
  token: null,
  me: undefined,
  login: async () => false,
  adopt: () => {},
  logout: () => {},
})

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(tokenStore.get)
  const queryClient = useQueryClient()
  const logout = useCallback(() => {
    tokenStore.clear()
    setToken(null)
    queryClient.clear()
  }, [queryClient])
  useEffect(() => setUnauthorizedHandler(logout), [logout])
  const me = useQuery({
    queryKey: ['me', token],
    enabled: !!token,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/auth/me')
      if (error) throw new Error('me')
      return data
    },
    staleTime: 5 * 60_000,
  })
  const login = useCallback(async (email: string, password: string) => {
    const { data } = await api.POST('/api/auth/login', { body: { email, password } })
    if (!data) return false
    tokenStore.set(data.access_token)
    setToken(data.access_token)
    return true
  }, [])
  const adopt = useCallback((issued: string) => {
    tokenStore.set(issued)
    setToken(issued)
  }, [])
  return (
    <AuthContext.Provider value={{ token, me: me.data, login, adopt, logout }}>
      {children}
    </AuthContext.Provider>
  )
}

export function useAuth(): Auth {
  return useContext(AuthContext)
}

export const SUPERVISOR_ROLES = ['owner', 'supervisor']
