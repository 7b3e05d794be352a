import type { AdminUsers } from '../access/index.js'
import { WardenError } from '../domain/index.js'
import { retryAfterHeaders, sourceOf, type FailureThrottle } from '../limits/index.js'

/** What signing in needs: the people, and the throttle of failed attempts. */
export interface SignInDeps {
  readonly adminUsers: AdminUsers
  readonly loginThrottle: FailureThrottle
}

/**
 * Signs a staff member or organization member in, for the admin API and the reviewer pages
 * alike. Failures count per client address and per username, whether or not the user exists;
 * past either limit every attempt (a right password too) waits for the window's end, with one
 * answer that says nothing about the user.
 */
export async function signIn(
  deps: SignInDeps,
  clientAddress: string,
  input: { username?: string; password?: string; token?: string },
): ReturnType<AdminUsers['login']> {
  const username = input.username?.trim().toLowerCase()
  const subjects = {
    address: sourceOf(clientAddress),
    ...(username === undefined || username === '' ? {} : { user: username }),
  }
  const wait = await deps.loginThrottle.check(subjects)
  if (wait > 0) throw tooManyAttempts(wait)
  try {
    return await deps.adminUsers.login(input)
  } catch (error) {
    if (error instanceof WardenError && error.code === 'unauthorized') {
      await deps.loginThrottle.failed(subjects)
    }
    throw error
  }
}

function tooManyAttempts(waitMs: number): WardenError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1_000))
  return new WardenError(
    'rate_limit_exceeded',
    `Too many failed sign-ins. Try again in ${seconds} s.`,
    { headers: retryAfterHeaders(waitMs) },
  )
}
