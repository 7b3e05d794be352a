import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createOrganizations, type Application } from '../access/index.js'
import { WardenError } from '../domain/index.js'
import { testDatabaseKinds } from '../testing/databases.js'
import {
  openStoreFixture,
  STORE_TABLES,
  wardenErrorOf,
  type StoreFixture,
} from '../testing/store-fixture.js'
import { AUDIT_GENESIS_HASH } from './migrations/001-core.js'

/** A WardenError's code, or the description of any other error (which the test then shows). */
const codeOf = (error: unknown): string =>
  error instanceof WardenError ? error.code : String(error)

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'store contract on $name',
  (kind) => {
    describe('migrations', () => {
      let fx: StoreFixture
      beforeEach(async () => {
        fx = await openStoreFixture(kind, { migrate: false })
      })
      afterEach(() => fx.close())

      it('creates every table on an empty database, with the audit head at genesis', async () => {
        await expect(fx.store.db.selectFrom('organization').selectAll().execute()).rejects.toThrow()

        expect(await fx.store.migrate()).toEqual([
          '001-core',
          '002-policy',
          '003-review',
          '004-limits',
          '005-moderation',
          '006-retention',
          '007-usage-signals',
          '008-incidents',
          '009-harm-action',
        ])

        for (const table of STORE_TABLES) {
          const { count } = await fx.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number | string>().as('count'))
            .executeTakeFirstOrThrow()
          expect(Number(count), table).toBe(table === 'audit_head' ? 1 : 0)
        }
        expect(await fx.store.db.selectFrom('audit_head').selectAll().execute()).toEqual([
          { id: 1, seq: 0, hash: AUDIT_GENESIS_HASH },
        ])
      })

      it('treats a second run as a no-op that keeps the data', async () => {
        await fx.store.migrate()
        const audit = fx.createAuditLog()
        const orgs = createOrganizations({
          db: fx.store.db,
          changes: fx.store.changes,
          audit,
          now: fx.clock.now,
          isUniqueViolation: fx.store.isUniqueViolation,
        })
        const acme = await orgs.createOrganization('Acme', 'cli')

        expect(await fx.store.migrate()).toEqual([])
        expect(await orgs.listOrganizations()).toEqual([acme])
      })

      it('migrates an empty database while another on the same server is already migrated', async () => {
        const neighbour = await openStoreFixture(kind)
        try {
          expect(await fx.store.migrate()).toEqual([
            '001-core',
            '002-policy',
            '003-review',
            '004-limits',
            '005-moderation',
            '006-retention',
            '007-usage-signals',
            '008-incidents',
            '009-harm-action',
          ])
          expect(await fx.store.db.selectFrom('audit_head').select('seq').execute()).toEqual([
            { seq: 0 },
          ])
        } finally {
          await neighbour.close()
        }
      })

      it('lets two handles migrate the same database at the same time', async () => {
        const other = await fx.openStore()

        const [mine, theirs] = await Promise.all([fx.store.migrate(), other.migrate()])

        expect([...mine, ...theirs].sort()).toEqual([
          '001-core',
          '002-policy',
          '003-review',
          '004-limits',
          '005-moderation',
          '006-retention',
          '007-usage-signals',
          '008-incidents',
          '009-harm-action',
        ])
        const executed = await sql<{
          name: string
        }>`select name from kysely_migration order by name`.execute(fx.store.db)
        expect(executed.rows.map((r) => r.name)).toEqual([
          '001-core',
          '002-policy',
          '003-review',
          '004-limits',
          '005-moderation',
          '006-retention',
          '007-usage-signals',
          '008-incidents',
          '009-harm-action',
        ])
        expect(await fx.store.db.selectFrom('audit_head').select('seq').execute()).toEqual([
          { seq: 0 },
        ])
      })
    })

    describe('with a migrated database', () => {
      let fx: StoreFixture
      beforeEach(async () => {
        fx = await openStoreFixture(kind)
      })
      afterEach(() => fx.close())

      const organizations = () =>
        createOrganizations({
          db: fx.store.db,
          changes: fx.store.changes,
          audit: fx.createAuditLog(),
          now: fx.clock.now,
          isUniqueViolation: fx.store.isUniqueViolation,
        })

      describe('organizations and applications', () => {
        it('creates organizations, finds them by id or name and lists them in creation order', async () => {
          const orgs = organizations()
          const acme = await orgs.createOrganization('Acme', 'cli')
          fx.clock.advance(1)
          const globex = await orgs.createOrganization('Globex Corp.', 'cli')

          expect(acme.id).toMatch(/^org_/)
          expect(acme).toEqual({
            id: acme.id,
            name: 'Acme',
            createdAt: fx.clock.now() - 1,
          })
          expect(await orgs.findOrganization(acme.id)).toEqual(acme)
          expect(await orgs.findOrganization('Globex Corp.')).toEqual(globex)
          expect(await orgs.findOrganization('Initech')).toBeUndefined()
          expect(await orgs.listOrganizations()).toEqual([acme, globex])
        })

        it('refuses a taken organization name with conflict', async () => {
          const orgs = organizations()
          await orgs.createOrganization('Acme', 'cli')

          const error = await wardenErrorOf(orgs.createOrganization('Acme', 'cli'))

          expect(error).toMatchObject({ code: 'conflict', param: 'name', status: 409 })
          expect(await orgs.listOrganizations()).toHaveLength(1)
        })

        it.each(['', ' Acme', 'a/b', 'Acme;drop', '-acme', 'x'.repeat(101), 'naïve'])(
          'refuses the organization name %j with invalid_request_error on name',
          async (name) => {
            const orgs = organizations()

            const error = await wardenErrorOf(orgs.createOrganization(name, 'cli'))

            expect(error).toMatchObject({ code: 'invalid_request_error', param: 'name' })
            expect(await orgs.listOrganizations()).toEqual([])
          },
        )

        it('scopes applications to their organization', async () => {
          const orgs = organizations()
          const acme = await orgs.createOrganization('Acme', 'cli')
          const globex = await orgs.createOrganization('Globex', 'cli')
          const web = await orgs.createApplication(acme.id, 'web', 'cli')
          fx.clock.advance(1)
          const batch = await orgs.createApplication(acme.id, 'batch-jobs', 'cli')
          const globexWeb = await orgs.createApplication(globex.id, 'web', 'cli')

          expect(web.id).toMatch(/^app_/)
          expect(web).toEqual<Application>({
            id: web.id,
            orgId: acme.id,
            name: 'web',
            createdAt: fx.clock.now() - 1,
            tier: null,
            status: 'active',
          })
          expect(await orgs.findApplication(acme.id, web.id)).toEqual(web)
          expect(await orgs.findApplication(acme.id, 'web')).toEqual(web)
          expect(await orgs.findApplication(globex.id, 'web')).toEqual(globexWeb)
          expect(await orgs.findApplication(globex.id, batch.id)).toBeUndefined()
          expect(await orgs.listApplications(acme.id)).toEqual([web, batch])
          expect(await orgs.listApplications(globex.id)).toEqual([globexWeb])
        })

        it('refuses a taken application name within one organization and a bad one', async () => {
          const orgs = organizations()
          const acme = await orgs.createOrganization('Acme', 'cli')
          await orgs.createApplication(acme.id, 'web', 'cli')

          expect(await wardenErrorOf(orgs.createApplication(acme.id, 'web', 'cli'))).toMatchObject({
            code: 'conflict',
            param: 'name',
          })
          expect(
            await wardenErrorOf(orgs.createApplication(acme.id, 'web/2', 'cli')),
          ).toMatchObject({
            code: 'invalid_request_error',
            param: 'name',
          })
          expect(await orgs.listApplications(acme.id)).toHaveLength(1)
        })

        it('refuses an organization or application name shaped like a Warden id, naming name', async () => {
          const orgs = organizations()
          const acme = await orgs.createOrganization('Acme', 'cli')
          const web = await orgs.createApplication(acme.id, 'web', 'cli')

          for (const name of [acme.id, web.id, 'key_AAAAAAAAAAAAAAAA', 'usr_abcdefghij-_0123']) {
            expect(await wardenErrorOf(orgs.createOrganization(name, 'cli')), name).toMatchObject({
              code: 'invalid_request_error',
              param: 'name',
              status: 400,
            })
            expect(
              await wardenErrorOf(orgs.createApplication(acme.id, name, 'cli')),
              name,
            ).toMatchObject({ code: 'invalid_request_error', param: 'name', status: 400 })
          }
          expect(await orgs.listOrganizations()).toEqual([acme])
          expect(await orgs.listApplications(acme.id)).toEqual([web])
          // Names that only resemble an id are still names.
          expect((await orgs.createOrganization('org_short', 'cli')).name).toBe('org_short')
          expect((await orgs.createApplication(acme.id, 'app-AAAAAAAAAAAAAAAA', 'cli')).name).toBe(
            'app-AAAAAAAAAAAAAAAA',
          )
        })

        it('refuses a name equal to an existing id of another shape, so lookups stay unambiguous', async () => {
          const orgs = organizations()
          const acme = await orgs.createOrganization('Acme', 'cli')
          // An id written by an older release, not shaped like today's ids.
          await fx.store.db
            .insertInto('organization')
            .values({ id: 'legacy-1', name: 'Legacy', created_at: fx.clock.now() })
            .execute()

          expect(await wardenErrorOf(orgs.createOrganization('legacy-1', 'cli'))).toMatchObject({
            code: 'invalid_request_error',
            param: 'name',
          })
          expect(
            await wardenErrorOf(orgs.createApplication(acme.id, 'legacy-1', 'cli')),
          ).toMatchObject({ code: 'invalid_request_error', param: 'name' })
          expect((await orgs.findOrganization('legacy-1'))?.name).toBe('Legacy')
        })

        it('answers conflict, not a database error, to two simultaneous creations of one name', async () => {
          const orgs = organizations()
          // Warm the pool so that every creation gets its own connection at once.
          await Promise.all([1, 2, 3, 4].map(() => orgs.listOrganizations()))

          const results = await Promise.allSettled(
            ['a', 'b', 'c', 'd'].map((admin) => orgs.createOrganization('Acme', `admin:${admin}`)),
          )

          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
          const refusals = results.flatMap((r) =>
            r.status === 'rejected' ? [codeOf(r.reason)] : [],
          )
          expect(refusals).toEqual(['conflict', 'conflict', 'conflict'])
          expect(await orgs.listOrganizations()).toHaveLength(1)
        })
      })
    })
  },
)
