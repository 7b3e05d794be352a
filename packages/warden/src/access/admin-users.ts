import type { Kysely } from 'kysely'
import { WardenError, type AuditSink } from '../domain/index.js'
import type { Database } from '../store/index.js'
import { createId, createSecret, hashSecret } from './ids.js'
import { hashPassword, verifyPassword } from './passwords.js'

export const ADMIN_ROLES = ['admin', 'reviewer', 'org_owner', 'org_developer'] as const
/** What an admin-side user may do. */
export type AdminRole = (typeof ADMIN_ROLES)[number]

/** A signed-in user of the admin API. */
export interface AdminUser {
  readonly id: string
  readonly username: string
  readonly role: AdminRole
  readonly hasPassword: boolean
}

export interface AdminUserDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  readonly sessionTtlMs: number
}

const BOOTSTRAP_TTL_MS = 24 * 60 * 60 * 1000
const MIN_PASSWORD = 12
const SESSION_PREFIX = 'wds_'

let dummy: Promise<string> | null = null
/** A real scrypt hash of nothing anyone knows, made once. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(createSecret('', 32))
  return dummy
}
const BOOTSTRAP_PREFIX = 'wdb_'

/** Admin users, their passwords (scrypt) and their sessions (stored as hashes). */
export function createAdminUsers(deps: AdminUserDeps) {
  const { db, audit, now, sessionTtlMs } = deps

  async function openSession(userId: string, kind: 'session' | 'bootstrap', ttlMs: number) {
    const token = createSecret(kind === 'session' ? SESSION_PREFIX : BOOTSTRAP_PREFIX, 32)
    const createdAt = now()
    await db
      .insertInto('admin_session')
      .values({
        id: hashSecret(token),
        user_id: userId,
        kind,
        created_at: createdAt,
        expires_at: createdAt + ttlMs,
      })
      .execute()
    return { token, expiresAt: createdAt + ttlMs }
  }

  async function userById(id: string): Promise<AdminUser | undefined> {
    const row = await db
      .selectFrom('admin_user')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return (
      row && {
        id: row.id,
        username: row.username,
        role: row.role as AdminRole,
        hasPassword: row.password_hash !== null,
      }
    )
  }

  return {
    /**
     * On a database with no password-holding admin, (re)creates the `admin` user and returns a
     * fresh one-time login token; earlier unused tokens stop working. Otherwise returns null.
     */
    async bootstrap(): Promise<{ username: string; token: string; expiresAt: number } | null> {
      const admins = await db
        .selectFrom('admin_user')
        .selectAll()
        .where('role', '=', 'admin')
        .execute()
      if (admins.some((a) => a.password_hash !== null)) return null
      let admin = admins[0]
      if (!admin) {
        admin = {
          id: createId('usr'),
          username: 'admin',
          password_hash: null,
          role: 'admin',
          created_at: now(),
        }
        await db.insertInto('admin_user').values(admin).execute()
        await audit.appendNow({ actor: 'system', action: 'admin.bootstrap', target: admin.id })
      }
      await db
        .deleteFrom('admin_session')
        .where('user_id', '=', admin.id)
        .where('kind', '=', 'bootstrap')
        .execute()
      const { token, expiresAt } = await openSession(admin.id, 'bootstrap', BOOTSTRAP_TTL_MS)
      return { username: admin.username, token, expiresAt }
    },

    /** Signs in with a username and password, or with the one-time bootstrap token. */
    async login(input: { username?: string; password?: string; token?: string }) {
      let user: AdminUser | undefined
      if (input.token !== undefined) {
        const id = hashSecret(input.token)
        const row = await db
          .selectFrom('admin_session')
          .selectAll()
          .where('id', '=', id)
          .where('kind', '=', 'bootstrap')
          .executeTakeFirst()
        if (row && row.expires_at > now()) {
          // One use only: the token is gone before the session exists, and of two logins
          // racing with it only the one whose delete removed it gets a session.
          const deleted = await db
            .deleteFrom('admin_session')
            .where('id', '=', id)
            .executeTakeFirst()
          if (deleted.numDeletedRows === 1n) user = await userById(row.user_id)
        }
      } else if (input.username !== undefined && input.password !== undefined) {
        const row = await db
          .selectFrom('admin_user')
          .selectAll()
          .where('username', '=', input.username)
          .executeTakeFirst()
        // An unknown user costs the same scrypt work, so timing does not tell which names exist.
        const ok = await verifyPassword(input.password, row?.password_hash ?? (await dummyHash()))
        if (row?.password_hash && ok) user = await userById(row.id)
      }
      if (!user) {
        await audit.appendNow({
          actor: 'anonymous',
          action: 'admin.login_failed',
          details: { username: input.username ?? null },
        })
        throw new WardenError('unauthorized', 'Invalid credentials.')
      }
      const session = await openSession(user.id, 'session', sessionTtlMs)
      await audit.appendNow({ actor: `admin:${user.id}`, action: 'admin.login', target: user.id })
      return { ...session, user }
    },

    /** The user behind a session token, or a 401. */
    async authenticate(token: string | undefined): Promise<AdminUser> {
      if (token === undefined || !token.startsWith(SESSION_PREFIX)) {
        throw new WardenError('unauthorized', 'Sign in first: send "Authorization: Bearer wds_…".')
      }
      const row = await db
        .selectFrom('admin_session')
        .select(['user_id', 'expires_at'])
        .where('id', '=', hashSecret(token))
        .where('kind', '=', 'session')
        .executeTakeFirst()
      const user = row && row.expires_at > now() ? await userById(row.user_id) : undefined
      if (!user) throw new WardenError('unauthorized', 'The session is unknown or has expired.')
      return user
    },

    async logout(token: string): Promise<void> {
      await db.deleteFrom('admin_session').where('id', '=', hashSecret(token)).execute()
    },

    /**
     * Sets a user's password (at least 12 characters). Every other session of the user ends,
     * so a leaked session token stops working; `keepSession` is the caller's own.
     */
    async setPassword(
      userId: string,
      password: string,
      actor: string,
      keepSession?: string,
    ): Promise<void> {
      if (typeof password !== 'string' || password.length < MIN_PASSWORD) {
        throw new WardenError(
          'invalid_request_error',
          `password must be at least ${MIN_PASSWORD} characters`,
          {
            param: 'password',
          },
        )
      }
      await db
        .updateTable('admin_user')
        .set({ password_hash: await hashPassword(password) })
        .where('id', '=', userId)
        .execute()
      let sessions = db.deleteFrom('admin_session').where('user_id', '=', userId)
      if (keepSession !== undefined) sessions = sessions.where('id', '!=', hashSecret(keepSession))
      await sessions.execute()
      await audit.appendNow({ actor, action: 'admin.set_password', target: userId })
    },
  }
}

/** The admin user operations. */
export type AdminUsers = ReturnType<typeof createAdminUsers>
