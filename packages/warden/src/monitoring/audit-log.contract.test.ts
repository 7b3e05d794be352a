import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AUDIT_GENESIS_HASH } from '../store/migrations/001-core.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { appendAuditEntries } from '../testing/audit-writer.js'
import { startOtherProcess } from '../testing/other-process.js'
import { openStoreFixture, type StoreFixture } from '../testing/store-fixture.js'
import { hashAuditEntry, type AuditLog, type AuditVerification } from './audit-log.js'

const WRITER = fileURLToPath(new URL('../testing/audit-writer.ts', import.meta.url))

/** Asserts that `verify` failed with exactly these problems, each `seq: problem` matching in order. */
function expectProblems(verification: AuditVerification, expected: readonly RegExp[]): void {
  const lines = verification.problems.map((p) => `${p.seq}: ${p.problem}`)
  expect(verification.ok).toBe(false)
  expect(lines).toHaveLength(expected.length)
  expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern))
}

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'audit log contract on $name',
  (kind) => {
    let fx: StoreFixture
    let audit: AuditLog

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      audit = fx.createAuditLog()
    })
    afterEach(async () => {
      await fx.close()
      expect(fx.writeErrors).toEqual([])
    })

    /** Appends five entries, three in the background and two durably. */
    async function appendFive() {
      audit.append({
        actor: 'cli',
        action: 'organization.create',
        target: 'org_1',
        details: { name: 'Acme' },
      })
      fx.clock.advance(1)
      audit.append({
        actor: 'admin:u1',
        action: 'key.create',
        target: 'key_1',
        details: { b: 2, a: 1 },
      })
      audit.append({ actor: 'system', action: 'admin.bootstrap' })
      await audit.flush()
      fx.clock.advance(1)
      await audit.appendNow({ actor: 'admin:u1', action: 'key.revoke', target: 'key_1' })
      await audit.appendNow({
        actor: 'anonymous',
        action: 'admin.login_failed',
        details: { username: null },
      })
    }

    const deleteEntry = (seq: number) =>
      fx.store.db.deleteFrom('audit_entry').where('seq', '=', seq).execute()

    it('numbers entries 1..n, each chained to the hash of the one before', async () => {
      const start = fx.clock.now()
      await appendFive()

      const entries = await audit.list()
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
      expect(entries.map((e) => e.action)).toEqual([
        'organization.create',
        'key.create',
        'admin.bootstrap',
        'key.revoke',
        'admin.login_failed',
      ])
      expect(entries[0]).toMatchObject({ at: start, target: 'org_1', prevHash: AUDIT_GENESIS_HASH })
      expect(entries[1]).toMatchObject({ at: start + 1, details: '{"a":1,"b":2}' })
      expect(entries[2]).toMatchObject({ target: null, details: '{}' })
      entries.forEach((entry, i) => {
        expect(entry.hash).toBe(hashAuditEntry(entry))
        expect(entry.hash).toMatch(/^[0-9a-f]{64}$/)
        if (i > 0) expect(entry.prevHash).toBe(entries[i - 1]?.hash)
      })
      expect(await fx.store.db.selectFrom('audit_head').select(['seq', 'hash']).execute()).toEqual([
        { seq: 5, hash: entries[4]?.hash },
      ])
      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 5,
        headSeq: 5,
        checkpoints: 0,
        problems: [],
        warnings: [],
      })
      expect(await audit.list({ afterSeq: 3, limit: 1 })).toEqual([entries[3]])
    })

    it('verifies as intact while another handle keeps appending', async () => {
      await appendFive()
      const other = fx.createAuditLog(await fx.openStore())
      const appending = (async () => {
        for (let i = 0; i < 40; i += 1)
          await other.appendNow({ actor: 'cli', action: 'probe', target: String(i) })
      })()
      const verdicts = []
      for (let i = 0; i < 10; i += 1) verdicts.push(await audit.verify())
      await appending
      expect(verdicts.filter((v) => !v.ok)).toEqual([])
      expect(await audit.verify()).toMatchObject({ ok: true, checked: 45 })
    })

    it('verifies an empty log as intact', async () => {
      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 0,
        headSeq: 0,
        checkpoints: 0,
        problems: [],
        warnings: [],
      })
    })

    it('reports an entry whose details were edited in the database', async () => {
      await appendFive()

      await fx.store.db
        .updateTable('audit_entry')
        .set({ details: '{"name":"Innocent"}' })
        .where('seq', '=', 3)
        .execute()

      const verification = await audit.verify()
      expect(verification).toMatchObject({ checked: 5, headSeq: 5 })
      expectProblems(verification, [/^3: .*edited/])
    })

    it('reports an edited entry whose hash was recomputed, by the break in the chain after it', async () => {
      await appendFive()
      const [entry] = await audit.list({ afterSeq: 1, limit: 1 })
      if (!entry) throw new Error('entry 2 is missing')
      const forged = { ...entry, actor: 'admin:someone-else' }

      await fx.store.db
        .updateTable('audit_entry')
        .set({ actor: forged.actor, hash: hashAuditEntry(forged) })
        .where('seq', '=', 2)
        .execute()

      expectProblems(await audit.verify(), [/^3: .*chain/])
    })

    it('reports a deleted middle entry as missing', async () => {
      await appendFive()

      await deleteEntry(3)

      const verification = await audit.verify()
      expect(verification).toMatchObject({ checked: 4, headSeq: 5 })
      expectProblems(verification, [/^3: .*missing/, /^4: .*chain/])
    })

    it('reports a deleted last entry as removed, against the head', async () => {
      await appendFive()

      await deleteEntry(5)

      const verification = await audit.verify()
      expect(verification).toMatchObject({ checked: 4, headSeq: 5 })
      expectProblems(verification, [/^5: .*removed/])
    })

    it('reports a log emptied entirely as removed', async () => {
      await appendFive()

      await fx.store.db.deleteFrom('audit_entry').execute()

      const verification = await audit.verify()
      expect(verification).toMatchObject({ checked: 0, headSeq: 5 })
      expectProblems(verification, [/^5: .*removed/])
    })

    /** The chain's sequence numbers and actors in order, and each actor's details in order. */
    async function entriesByActor() {
      const entries = await audit.list({ limit: 1000 })
      const byActor = (actor: string) =>
        entries.filter((e) => e.actor === actor).map((e) => JSON.parse(e.details) as unknown)
      return { seqs: entries.map((e) => e.seq), actors: entries.map((e) => e.actor), byActor }
    }

    const fifty = Array.from({ length: 50 }, (_, i) => ({ i }))

    it('keeps one chain when two handles on the database take turns appending', async () => {
      const cli = fx.createAuditLog(await fx.openStore())

      for (let i = 0; i < 50; i += 1) {
        await audit.appendNow({ actor: 'server', action: 'test.append', details: { i } })
        cli.append({ actor: 'cli', action: 'test.append', details: { i } })
        await cli.flush()
      }

      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 100,
        headSeq: 100,
        checkpoints: 0,
        problems: [],
        warnings: [],
      })
      const { seqs, actors, byActor } = await entriesByActor()
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
      expect(actors.slice(0, 4)).toEqual(['server', 'cli', 'server', 'cli'])
      expect(byActor('server')).toEqual(fifty)
      expect(byActor('cli')).toEqual(fifty)
    })

    it('keeps one intact chain while another process appends at the same time', async () => {
      const input = {
        url: fx.database.url,
        sqlitePath: fx.database.sqlitePath,
        count: 50,
        pauseMs: 2,
      }
      const other = await startOtherProcess(WRITER, 'appendAuditEntries', {
        ...input,
        actor: 'cli',
      })

      await Promise.all([other.go(), appendAuditEntries({ ...input, actor: 'server' })])

      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 100,
        headSeq: 100,
        checkpoints: 0,
        problems: [],
        warnings: [],
      })
      const { actors, byActor } = await entriesByActor()
      expect(byActor('server')).toEqual(fifty)
      expect(byActor('cli')).toEqual(fifty)
      // Both wrote while the other did: neither's fifty entries form one block.
      expect(actors.slice(0, 50)).toContain('server')
      expect(actors.slice(0, 50)).toContain('cli')
    })
  },
)
