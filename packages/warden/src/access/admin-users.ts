import type { Kysely } from 'kysely'
import { WardenError, type AuditSink } from '../domain/index.js'
import type { Database } from '../store/index.js'
import { createId, createSecret, hashSecret } from './ids.js'
import { hashPassword, verifyPassword } from './passwords.js'

export const ADMIN_ROLES = ['admin', 'reviewer', 'org_owner', 'org_developer'] as const
/** What a user may do: staff (admin, reviewer) or a member of one organization. */
export type AdminRole = (typeof ADMIN_ROLES)[number]

export const STAFF_ROLES = ['admin', 'reviewer'] as const satisfies readonly AdminRole[]
export const MEMBER_ROLES = ['org_owner', 'org_developer'] as const satisfies readonly AdminRole[]

/** A signed-in user: staff of the gateway, or a member of one organization. */
export interface AdminUser {
  readonly id: string
  readonly username: string
  readonly role: AdminRole
  readonly hasPassword: boolean
  /** The organization of a member; null for staff. */
  readonly orgId: string | null
}

/** Whether a role belongs to an organization's member rather than to the gateway's staff. */
export function isMemberRole(role: AdminRole): boolean {
  return (MEMBER_ROLES as readonly AdminRole[]).includes(role)
}

export interface AdminUserDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  readonly sessionTtlMs: number
}

const BOOTSTRAP_TTL_MS = 24 * 60 * 60 * 1000
const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{2,99}$/
const MIN_PASSWORD = 12
const SESSION_PREFIX = 'wds_'

let dummy: Promise<string> | null = null
/** A real scrypt hash of nothing anyone knows, made once. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(createSecret('', 32))
  return dummy
}
const BOOTSTRAP_PREFIX = 'wdb_'
const INVITE_PREFIX = 'wdi_'

/** What a start learns about the one-time login token. */
export interface BootstrapResult {
  readonly username: string
  /** The new token, shown once; null when an unused one was issued earlier and still works. */
  readonly token: string | null
  readonly expiresAt: number
}

/**
 * Serialises token issuance for one user: the write takes PostgreSQL's row lock, or SQLite's
 * write lock, before anything is read, so a concurrent issuer waits and then sees our token.
 */
async function lockUser(trx: Kysely<Database>, userId: string): Promise<void> {
  await trx.updateTable('admin_user').set({ role: 'admin' }).where('id', '=', userId).execute()
}

/** Admin users, their passwords (scrypt) and their sessions (stored as hashes). */
export function createAdminUsers(deps: AdminUserDeps) {
  const { db, audit, now, sessionTtlMs } = deps

  async function openSession(
    userId: string,
    kind: 'session' | 'bootstrap' | 'invite',
    ttlMs: number,
    on: Kysely<Database> = db,
  ) {
    const prefix =
      kind === 'session' ? SESSION_PREFIX : kind === 'invite' ? INVITE_PREFIX : BOOTSTRAP_PREFIX
    const token = createSecret(prefix, 32)
    const createdAt = now()
    await on
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

  /**
   * The first admin, created as `admin` when there is none. Race-safe: two replicas starting at
   * once on a fresh database both insert, the unique username lets one win, both read it back.
   */
  async function ensureAdmin(): Promise<{ id: string; username: string }> {
    const existing = await firstAdmin()
    if (existing) return existing
    const id = createId('usr')
    const inserted = await db
      .insertInto('admin_user')
      .values({ id, username: 'admin', password_hash: null, role: 'admin', created_at: now() })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst()
    if (inserted.numInsertedOrUpdatedRows === 1n) {
      await audit.appendNow({ actor: 'system', action: 'admin.bootstrap', target: id })
    }
    const admin = await firstAdmin()
    if (!admin) throw new Error('a user named "admin" exists without the admin role')
    return admin
  }

  function firstAdmin() {
    return db
      .selectFrom('admin_user')
      .select(['id', 'username'])
      .where('role', '=', 'admin')
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst()
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
        orgId: row.org_id,
      }
    )
  }

  return {
    /**
     * At start: on a database with no password-holding admin, makes sure the `admin` user
     * exists and issues a one-time login token unless an unused, unexpired one is already out.
     * A token issued before is never replaced here (a second start or another replica would
     * otherwise retire the token the user just copied): then `token` is null and
     * `issueToken` gives a new one. Returns null once an admin has a password.
     */
    async bootstrap(): Promise<BootstrapResult | null> {
      const admins = await db
        .selectFrom('admin_user')
        .select('password_hash')
        .where('role', '=', 'admin')
        .execute()
      if (admins.some((a) => a.password_hash !== null)) return null
      const admin = await ensureAdmin()
      // Audited after the transaction: on SQLite's one connection, an append inside it would
      // wait for the transaction itself.
      const result = await db.transaction().execute(async (trx) => {
        await lockUser(trx, admin.id)
        const pending = await trx
          .selectFrom('admin_session')
          .select('expires_at')
          .where('user_id', '=', admin.id)
          .where('kind', '=', 'bootstrap')
          .where('expires_at', '>', now())
          .orderBy('expires_at', 'desc')
          .executeTakeFirst()
        if (pending) return { username: admin.username, token: null, expiresAt: pending.expires_at }
        const issued = await openSession(admin.id, 'bootstrap', BOOTSTRAP_TTL_MS, trx)
        return { username: admin.username, ...issued }
      })
      if (result.token !== null) {
        await audit.appendNow({ actor: 'system', action: 'admin.token_issued', target: admin.id })
      }
      return result
    },

    /**
     * Issues a new one-time login token for the `admin` user (creating the user when missing)
     * and retires every earlier one. For `warden admin token`: the explicit way to get a token
     * when the printed one was lost, expired or used. Audited as `admin.token_issued`.
     */
    async issueToken(
      actor: string,
    ): Promise<{ username: string; token: string; expiresAt: number }> {
      const admin = await ensureAdmin()
      const issued = await db.transaction().execute(async (trx) => {
        await lockUser(trx, admin.id)
        await trx
          .deleteFrom('admin_session')
          .where('user_id', '=', admin.id)
          .where('kind', '=', 'bootstrap')
          .execute()
        return openSession(admin.id, 'bootstrap', BOOTSTRAP_TTL_MS, trx)
      })
      await audit.appendNow({ actor, action: 'admin.token_issued', target: admin.id })
      return { username: admin.username, ...issued }
    },

    /**
     * Invites a user: staff (`admin`, `reviewer`) without an organization, or a member
     * (`org_owner`, `org_developer`) of one. Returns a one-time token, valid 7 days, that signs
     * the user in once (`POST /api/admin/login {"token"}`); they then set a password.
     */
    async invite(input: {
      readonly username: string
      readonly role: AdminRole
      readonly orgId: string | null
      readonly actor: string
    }): Promise<{ user: AdminUser; token: string; expiresAt: number }> {
      if (!USERNAME.test(input.username)) {
        throw new WardenError(
          'invalid_request_error',
          'username must be 3-100 characters: letters, digits and . _ @ + -',
          { param: 'username' },
        )
      }
      if (isMemberRole(input.role) !== (input.orgId !== null)) {
        throw new WardenError(
          'invalid_request_error',
          isMemberRole(input.role)
            ? 'a member role needs an organization'
            : 'staff roles belong to no organization',
          { param: 'org' },
        )
      }
      const id = createId('usr')
      const inserted = await db
        .insertInto('admin_user')
        .values({
          id,
          username: input.username,
          password_hash: null,
          role: input.role,
          org_id: input.orgId,
          created_at: now(),
        })
        .onConflict((oc) => oc.column('username').doNothing())
        .executeTakeFirst()
      if (inserted.numInsertedOrUpdatedRows !== 1n) {
        throw new WardenError('conflict', `a user named "${input.username}" already exists`, {
          param: 'username',
        })
      }
      const issued = await openSession(id, 'invite', INVITE_TTL_MS)
      await audit.appendNow({
        actor: input.actor,
        action: 'user.invite',
        target: id,
        details: { username: input.username, role: input.role, org_id: input.orgId },
      })
      const user = await userById(id)
      if (!user) throw new Error('the invited user vanished')
      return { user, ...issued }
    },

    /** Users, staff and members; only one organization's members when `orgId` is given. */
    async listUsers(filter: { readonly orgId?: string } = {}): Promise<AdminUser[]> {
      let query = db.selectFrom('admin_user').selectAll().orderBy('created_at').orderBy('id')
      if (filter.orgId !== undefined) query = query.where('org_id', '=', filter.orgId)
      const rows = await query.execute()
      return rows.map((row) => ({
        id: row.id,
        username: row.username,
        role: row.role as AdminRole,
        hasPassword: row.password_hash !== null,
        orgId: row.org_id,
      }))
    },

    /** Signs in with a username and password, or with a one-time bootstrap or invite token. */
    async login(input: { username?: string; password?: string; token?: string }) {
      let user: AdminUser | undefined
      if (input.token !== undefined) {
        const id = hashSecret(input.token)
        const row = await db
          .selectFrom('admin_session')
          .selectAll()
          .where('id', '=', id)
          .where('kind', 'in', ['bootstrap', 'invite'])
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
