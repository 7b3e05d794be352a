import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createAdminUsers,
  verifyPassword,
  type AdminUser,
  type AdminUsers,
} from '../access/index.js'
import { bootstrapAdmin } from '../testing/bootstrap-runner.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { startOtherProcess } from '../testing/other-process.js'
import {
  dumpStore,
  openStoreFixture,
  wardenErrorOf,
  type StoreFixture,
} from '../testing/store-fixture.js'

const RUNNER = fileURLToPath(new URL('../testing/bootstrap-runner.ts', import.meta.url))
const SESSION_TTL_MS = 12 * 3_600_000
const PASSWORD = 'correct horse battery'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'admin user contract on $name',
  (kind) => {
    let fx: StoreFixture
    let admins: AdminUsers

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      admins = createAdminUsers({
        db: fx.store.db,
        audit: fx.createAuditLog(),
        now: fx.clock.now,
        sessionTtlMs: SESSION_TTL_MS,
      })
    })
    afterEach(() => fx.close())

    /** Bootstraps the admin user and signs in with the one-time token. */
    async function signInFirstTime() {
      const boot = await admins.bootstrap()
      if (boot?.token == null) throw new Error('bootstrap issued no token on an empty database')
      return admins.login({ token: boot.token })
    }

    it('bootstraps an admin with a one-time token that signs in exactly once', async () => {
      const boot = await admins.bootstrap()

      const token = boot?.token ?? ''
      expect(boot).toEqual({ username: 'admin', token, expiresAt: fx.clock.now() + 24 * 3_600_000 })
      expect(token).toMatch(/^wdb_[A-Za-z0-9_-]{43,}$/)
      const session = await admins.login({ token })
      expect(session.token).toMatch(/^wds_[A-Za-z0-9_-]{43,}$/)
      expect(session.user.id).toMatch(/^usr_/)
      expect(session).toEqual({
        token: session.token,
        expiresAt: fx.clock.now() + SESSION_TTL_MS,
        user: {
          id: session.user.id,
          username: 'admin',
          role: 'admin',
          hasPassword: false,
          orgId: null,
        },
      })
      expect(await wardenErrorOf(admins.login({ token }))).toMatchObject({
        code: 'unauthorized',
        status: 401,
      })
    })

    it('keeps the first token through a second bootstrap, which says one is already out', async () => {
      const first = await admins.bootstrap()
      fx.clock.advance(3_600_000)
      const second = await admins.bootstrap()

      expect(second).toEqual({ username: 'admin', token: null, expiresAt: first?.expiresAt })
      expect((await admins.login({ token: first?.token ?? '' })).user.username).toBe('admin')
      expect(await fx.store.db.selectFrom('admin_user').select('username').execute()).toEqual([
        { username: 'admin' },
      ])
    })

    it('issues a new token once the first is used or expired', async () => {
      const first = await admins.bootstrap()
      await admins.login({ token: first?.token ?? '' })
      const afterUse = await admins.bootstrap()
      expect(afterUse?.token).toMatch(/^wdb_/)
      fx.clock.advance(24 * 3_600_000)
      const afterExpiry = await admins.bootstrap()
      expect(afterExpiry?.token).toMatch(/^wdb_/)
      expect(afterExpiry?.token).not.toBe(afterUse?.token)
    })

    it('issueToken retires the unused token, is audited, and works after a password is set', async () => {
      const first = await admins.bootstrap()
      const issued = await admins.issueToken('cli')

      expect(issued).toEqual({
        username: 'admin',
        token: issued.token,
        expiresAt: fx.clock.now() + 24 * 3_600_000,
      })
      expect(await wardenErrorOf(admins.login({ token: first?.token ?? '' }))).toMatchObject({
        code: 'unauthorized',
      })
      const { user } = await admins.login({ token: issued.token })
      await admins.setPassword(user.id, PASSWORD, 'cli')
      expect(await admins.bootstrap()).toBeNull()
      const recovery = await admins.issueToken('cli')
      expect((await admins.login({ token: recovery.token })).user.id).toBe(user.id)
      const actions = await fx.store.db
        .selectFrom('audit_entry')
        .select(['action', 'actor'])
        .where('action', '=', 'admin.token_issued')
        .orderBy('seq')
        .execute()
      expect(actions).toEqual([
        { action: 'admin.token_issued', actor: 'system' },
        { action: 'admin.token_issued', actor: 'cli' },
        { action: 'admin.token_issued', actor: 'cli' },
      ])
    })

    it('bootstraps one admin and one token when two processes start at once on a fresh database', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'warden-bootstrap-'))
      try {
        const input = { url: fx.database.url, sqlitePath: fx.database.sqlitePath }
        const others = await Promise.all(
          ['a', 'b'].map((n) =>
            startOtherProcess(RUNNER, 'bootstrapAdmin', { ...input, outFile: join(dir, n) }),
          ),
        )
        await Promise.all([
          ...others.map((o) => o.go()),
          bootstrapAdmin({ ...input, outFile: join(dir, 'c') }),
        ])

        const results = ['a', 'b', 'c'].map(
          (n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as { token: string | null },
        )
        const tokens = results.flatMap((r) => (r.token === null ? [] : [r.token]))
        expect(tokens).toHaveLength(1)
        expect(await fx.store.db.selectFrom('admin_user').select('username').execute()).toEqual([
          { username: 'admin' },
        ])
        expect((await admins.login({ token: tokens[0] ?? '' })).user.username).toBe('admin')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }, 60_000)

    it('refuses an expired bootstrap token', async () => {
      const boot = await admins.bootstrap()
      fx.clock.advance(24 * 3_600_000)

      expect(await wardenErrorOf(admins.login({ token: boot?.token ?? '' }))).toMatchObject({
        code: 'unauthorized',
      })
    })

    it('signs in with a password once one is set, and bootstraps no more', async () => {
      const { user } = await signInFirstTime()

      await admins.setPassword(user.id, PASSWORD, `admin:${user.id}`)

      const session = await admins.login({ username: 'admin', password: PASSWORD })
      expect(session.user).toEqual<AdminUser>({ ...user, hasPassword: true })
      for (const attempt of [
        { username: 'admin', password: `${PASSWORD}!` },
        { username: 'admin', password: '' },
        { username: 'root', password: PASSWORD },
        { username: 'admin' },
      ]) {
        expect(await wardenErrorOf(admins.login(attempt)), JSON.stringify(attempt)).toMatchObject({
          code: 'unauthorized',
        })
      }
      expect(await admins.bootstrap()).toBeNull()
    })

    it('requires a password of at least 12 characters', async () => {
      const { user } = await signInFirstTime()

      expect(await wardenErrorOf(admins.setPassword(user.id, 'x'.repeat(11), 'cli'))).toMatchObject(
        {
          code: 'invalid_request_error',
          param: 'password',
          status: 400,
        },
      )
      expect(await admins.bootstrap()).not.toBeNull()
      await admins.setPassword(user.id, 'x'.repeat(12), 'cli')
      expect((await admins.login({ username: 'admin', password: 'x'.repeat(12) })).user.id).toBe(
        user.id,
      )
    })

    it('stores the password as scrypt and sessions as hashes, never in plain text', async () => {
      const { user, token } = await signInFirstTime()
      await admins.setPassword(user.id, PASSWORD, `admin:${user.id}`, token)
      const second = await admins.login({ username: 'admin', password: PASSWORD })

      const row = await fx.store.db
        .selectFrom('admin_user')
        .select('password_hash')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      expect(row.password_hash).toMatch(
        /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/,
      )
      expect(await verifyPassword(PASSWORD, row.password_hash ?? '')).toBe(true)
      const sessions = await fx.store.db.selectFrom('admin_session').select('id').execute()
      expect(sessions.map((s) => s.id).sort()).toEqual([sha256(token), sha256(second.token)].sort())
      const stored = await dumpStore(fx.store)
      for (const secret of [PASSWORD, token, second.token]) expect(stored).not.toContain(secret)
    })

    it('authenticates a session token until it expires', async () => {
      const { user, token } = await signInFirstTime()

      expect(await admins.authenticate(token)).toEqual(user)
      fx.clock.advance(SESSION_TTL_MS - 1)
      expect(await admins.authenticate(token)).toEqual(user)
      fx.clock.advance(1)
      expect(await wardenErrorOf(admins.authenticate(token))).toMatchObject({
        code: 'unauthorized',
      })
    })

    it('refuses unknown, missing, bootstrap and logged-out session tokens', async () => {
      const boot = await admins.bootstrap()
      const { token } = await admins.login({ token: boot?.token ?? '' })
      const again = (await admins.bootstrap())?.token ?? undefined
      await admins.logout(token)

      for (const candidate of [token, `wds_${'A'.repeat(43)}`, again, undefined, '']) {
        expect(
          await wardenErrorOf(admins.authenticate(candidate)),
          String(candidate),
        ).toMatchObject({
          code: 'unauthorized',
        })
      }
    })
  },
)
