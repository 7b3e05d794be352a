import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiKeys, createOrganizations, type ApiKeys } from '../access/index.js'
import type { Principal } from '../domain/index.js'
import { testDatabaseKinds } from '../testing/databases.js'
import {
  dumpStore,
  openStoreFixture,
  wardenErrorOf,
  type StoreFixture,
} from '../testing/store-fixture.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

const HOUR = 3_600_000

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'api key contract on $name',
  (kind) => {
    let fx: StoreFixture
    let keys: ApiKeys
    let orgId: string
    let appId: string

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      const deps = {
        db: fx.store.db,
        audit: fx.createAuditLog(),
        now: fx.clock.now,
        isUniqueViolation: fx.store.isUniqueViolation,
        changes: fx.store.changes,
      }
      const orgs = createOrganizations(deps)
      orgId = (await orgs.createOrganization('Acme', 'cli')).id
      appId = (await orgs.createApplication(orgId, 'web', 'cli')).id
      keys = createApiKeys(deps)
    })
    afterEach(() => fx.close())

    it('creates a wdn_ key of at least 32 random bytes, distinct every time', async () => {
      const first = await keys.createKey({ appId, orgId, actor: 'cli' })
      const second = await keys.createKey({ appId, orgId, actor: 'cli' })

      expect(first.key).toMatch(/^wdn_[A-Za-z0-9_-]{43,}$/)
      expect(
        Buffer.from(first.key.slice('wdn_'.length), 'base64url').length,
      ).toBeGreaterThanOrEqual(32)
      expect(second.key).not.toBe(first.key)
      expect(first.info.id).toMatch(/^key_/)
      expect(first.info).toEqual({
        id: first.info.id,
        appId,
        orgId,
        name: null,
        prefix: first.key.slice(0, first.info.prefix.length),
        allowedModels: null,
        expiresAt: null,
        revokedAt: null,
        suspendedAt: null,
        createdAt: fx.clock.now(),
      })
    })

    it('stores only a sha-256 hash and a display prefix, never the key', async () => {
      const { key, info } = await keys.createKey({
        appId,
        orgId,
        name: 'ci',
        allowedModels: ['gpt-4o-mini'],
        actor: 'cli',
      })

      const rows = await fx.store.db.selectFrom('api_key').selectAll().execute()
      expect(rows).toEqual([
        {
          id: info.id,
          app_id: appId,
          org_id: orgId,
          name: 'ci',
          prefix: info.prefix,
          hash: sha256(key),
          allowed_models: '["gpt-4o-mini"]',
          expires_at: null,
          revoked_at: null,
          suspended_at: null,
          created_at: fx.clock.now(),
          limits: null,
        },
      ])
      expect(key.startsWith(info.prefix)).toBe(true)
      expect(info.prefix.length).toBeLessThanOrEqual(16)

      // Not the key, nor any 16 characters of it, in any column of any table (audit included).
      const stored = await dumpStore(fx.store)
      expect(stored).toContain(info.prefix)
      for (let start = 0; start + 16 <= key.length; start += 1) {
        expect(stored).not.toContain(key.slice(start, start + 16))
      }
    })

    it('resolves a key to its principal and allowed models', async () => {
      const limited = await keys.createKey({
        appId,
        orgId,
        allowedModels: ['m-1', 'm-2'],
        actor: 'cli',
      })
      const open = await keys.createKey({ appId, orgId, actor: 'cli' })

      expect(await keys.resolveKey(limited.key)).toEqual<Principal>({
        keyId: limited.info.id,
        keyPrefix: limited.info.prefix,
        appId,
        orgId,
        allowedModels: ['m-1', 'm-2'],
        tier: null,
        appStatus: 'active',
        acceptedPolicyVersion: null,
        limits: { key: null, app: null, org: null },
      })
      expect(await keys.resolveKey(open.key)).toMatchObject({
        keyId: open.info.id,
        allowedModels: null,
      })
    })

    it('refuses an unknown key with invalid_api_key and a missing one with missing_api_key', async () => {
      const { key } = await keys.createKey({ appId, orgId, actor: 'cli' })
      const unknown = `wdn_${randomBytes(32).toString('base64url')}`

      for (const secret of [
        unknown,
        `${key}x`,
        key.slice(0, -1),
        'sk-proj-abc',
        key.toUpperCase(),
      ]) {
        expect(await wardenErrorOf(keys.resolveKey(secret)), secret).toMatchObject({
          code: 'invalid_api_key',
          status: 401,
        })
      }
      for (const secret of [undefined, '']) {
        expect(await wardenErrorOf(keys.resolveKey(secret))).toMatchObject({
          code: 'missing_api_key',
        })
      }
    })

    it('refuses a revoked key on the next request, and revoking twice changes nothing', async () => {
      const { key, info } = await keys.createKey({ appId, orgId, actor: 'cli' })
      await keys.resolveKey(key)
      fx.clock.advance(1_000)

      const revoked = await keys.revokeKey(info.id, 'admin:u1')
      fx.clock.advance(1_000)
      const again = await keys.revokeKey(info.id, 'admin:u1')

      expect(revoked.revokedAt).toBe(fx.clock.now() - 1_000)
      expect(again).toEqual(revoked)
      expect(await wardenErrorOf(keys.resolveKey(key))).toMatchObject({
        code: 'api_key_revoked',
        status: 403,
      })
      expect(await wardenErrorOf(keys.revokeKey('key_missing', 'cli'))).toMatchObject({
        code: 'not_found',
        param: 'id',
      })
    })

    it('sees a revocation made through another handle on the same database', async () => {
      const { key, info } = await keys.createKey({ appId, orgId, actor: 'admin:u1' })
      expect(await keys.resolveKey(key)).toMatchObject({ keyId: info.id })

      const cli = await fx.openStore()
      const cliKeys = createApiKeys({
        db: cli.db,
        audit: fx.createAuditLog(cli),
        now: fx.clock.now,
        changes: cli.changes,
      })
      // Cached now: the next look must still notice the other handle's change.
      expect(await keys.resolveKey(key)).toMatchObject({ keyId: info.id })
      await cliKeys.revokeKey(info.id, 'cli')

      // SQLite sees it at once (data_version); PostgreSQL as soon as the NOTIFY lands.
      await expect
        .poll(async () => (await wardenErrorOf(keys.resolveKey(key)))?.code, {
          timeout: 1_000,
          interval: 5,
        })
        .toBe('api_key_revoked')
    })

    it('refuses a key from its expiry time on', async () => {
      const { key } = await keys.createKey({
        appId,
        orgId,
        expiresAt: fx.clock.now() + HOUR,
        actor: 'cli',
      })

      fx.clock.advance(HOUR - 1)
      expect(await keys.resolveKey(key)).toMatchObject({ appId })
      fx.clock.advance(1)
      expect(await wardenErrorOf(keys.resolveKey(key))).toMatchObject({ code: 'api_key_expired' })
    })

    it('refuses to create a key that has already expired', async () => {
      const error = await wardenErrorOf(
        keys.createKey({ appId, orgId, expiresAt: fx.clock.now(), actor: 'cli' }),
      )

      expect(error).toMatchObject({ code: 'invalid_request_error', param: 'expires_at' })
      expect(await keys.listKeys()).toEqual([])
    })

    it('lists keys with their prefix and state, never their secret', async () => {
      const orgs = createOrganizations({
        db: fx.store.db,
        changes: fx.store.changes,
        audit: fx.createAuditLog(),
        now: fx.clock.now,
        isUniqueViolation: fx.store.isUniqueViolation,
      })
      const batchApp = await orgs.createApplication(orgId, 'batch', 'cli')
      const web = await keys.createKey({ appId, orgId, name: 'web', actor: 'cli' })
      fx.clock.advance(1)
      const batch = await keys.createKey({ appId: batchApp.id, orgId, name: 'batch', actor: 'cli' })
      await keys.revokeKey(web.info.id, 'cli')

      const all = await keys.listKeys()
      expect(all).toEqual([{ ...web.info, revokedAt: fx.clock.now() }, batch.info])
      expect(await keys.listKeys({ appId: batchApp.id })).toEqual([batch.info])
      expect(await keys.listKeys({ orgId: 'org_other' })).toEqual([])
      const listed = JSON.stringify(all)
      for (const { key } of [web, batch]) {
        expect(listed).not.toContain(key)
        expect(listed).not.toContain(key.slice(-20))
      }
      for (const info of all) expect(info).not.toHaveProperty('key')
    })
  },
)
