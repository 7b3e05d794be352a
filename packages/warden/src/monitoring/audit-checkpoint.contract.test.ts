import { generateKeyPairSync } from 'node:crypto'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AUDIT_GENESIS_HASH } from '../store/migrations/001-core.js'
import { appendAuditEntries } from '../testing/audit-writer.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { startOtherProcess } from '../testing/other-process.js'
import { openStoreFixture, type StoreFixture } from '../testing/store-fixture.js'
import { signCheckpoint } from './audit-checkpoint.js'
import { readCheckpointIndex } from './audit-checkpoint-verify.js'
import { createAuditCheckpointer, type AuditCheckpointer } from './audit-checkpointer.js'
import { hashAuditEntry, type AuditLog, type AuditVerification } from './audit-log.js'
import { loadSigningKey, toSigningKey, type AuditSigningKey } from './audit-signing-key.js'

const WRITER = fileURLToPath(new URL('../testing/audit-writer.ts', import.meta.url))

/** Asserts that `verify` failed with exactly these problems, each `seq: problem` matching in order. */
function expectProblems(verification: AuditVerification, expected: readonly RegExp[]): void {
  const lines = verification.problems.map((p) => `${p.seq}: ${p.problem}`)
  expect(verification.ok, lines.join('\n')).toBe(false)
  expect(lines).toHaveLength(expected.length)
  expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern))
}

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'audit checkpoints on $name',
  (kind) => {
    let fx: StoreFixture
    let dir: string
    let key: AuditSigningKey
    let file: string
    let audit: AuditLog
    /** The same database checked by the hash chain alone, as `verify` did before checkpoints. */
    let chainOnly: AuditLog
    let checkpointer: AuditCheckpointer
    let checkpointErrors: unknown[]

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      dir = mkdtempSync(join(tmpdir(), 'warden-audit-'))
      key = loadSigningKey({ keyFile: join(dir, 'audit-signing-key.pem') })
      file = join(dir, 'audit-checkpoints.jsonl')
      const trusted = new Set([key.keyId])
      audit = fx.createAuditLog(fx.store, { checkpoints: () => readCheckpointIndex(file, trusted) })
      chainOnly = fx.createAuditLog()
      checkpointErrors = []
      checkpointer = createAuditCheckpointer({
        db: fx.store.db,
        key,
        file,
        now: fx.clock.now,
        onError: (error) => checkpointErrors.push(error),
      })
      await checkpointer.init()
    })
    afterEach(async () => {
      await fx.close()
      rmSync(dir, { recursive: true, force: true })
      expect(fx.writeErrors).toEqual([])
      expect(checkpointErrors).toEqual([])
    })

    async function append(count: number): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        fx.clock.advance(1)
        await audit.appendNow({ actor: 'admin:u1', action: 'key.create', target: `key_${i}` })
      }
    }

    const headRow = () =>
      fx.store.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow()
    const entry = (seq: number) =>
      fx.store.db
        .selectFrom('audit_entry')
        .selectAll()
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow()
    const checkpointLines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean)

    /** An attacker with database access: drops entries after `seq` and points the head at it. */
    async function rewindTo(seq: number): Promise<void> {
      const hash = seq === 0 ? AUDIT_GENESIS_HASH : (await entry(seq)).hash
      await fx.store.db.deleteFrom('audit_entry').where('seq', '>', seq).execute()
      await fx.store.db.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1).execute()
    }

    it('verifies an honest log against its checkpoints, and writes one only when the head moved', async () => {
      await append(3)
      expect(await checkpointer.checkpoint()).toMatchObject({ seq: 3, key_id: key.keyId })
      expect(await checkpointer.checkpoint()).toBeNull()
      await append(2)
      expect(await checkpointer.checkpoint()).toMatchObject({
        seq: 5,
        hash: (await headRow()).hash,
      })

      expect(checkpointLines()).toHaveLength(2)
      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 5,
        headSeq: 5,
        checkpoints: 2,
        problems: [],
        warnings: [],
      })
    })

    it('passes with a warning naming the file when a log with entries has no checkpoint file', async () => {
      await append(2)

      const verification = await audit.verify()
      expect(verification).toMatchObject({ ok: true, checked: 2, checkpoints: 0, problems: [] })
      expect(verification.warnings).toEqual([
        expect.stringContaining(`no checkpoint file at ${file}`),
      ])
    })

    it('catches entries deleted after a checkpoint and the head row rewound', async () => {
      await append(5)
      await checkpointer.checkpoint()

      await rewindTo(3)

      expect(await chainOnly.verify()).toMatchObject({ ok: true, checked: 3, headSeq: 3 })
      expectProblems(await audit.verify(), [
        /^5: checkpoint line 1 recorded the chain at entry 5 but the head is at 3: entries were removed and the head rewound/,
      ])
    })

    it('catches a chain rewritten and re-hashed from an entry before a checkpoint', async () => {
      await append(3)
      await checkpointer.checkpoint()
      await append(2)
      await checkpointer.checkpoint()

      // The attacker edits entry 2 and recomputes every hash after it, and the head.
      let prevHash = (await entry(1)).hash
      for (let seq = 2; seq <= 5; seq += 1) {
        const row = await entry(seq)
        const forged = {
          ...row,
          actor: seq === 2 ? 'admin:someone-else' : row.actor,
          prevHash,
        }
        const hash = hashAuditEntry(forged)
        await fx.store.db
          .updateTable('audit_entry')
          .set({ actor: forged.actor, prev_hash: prevHash, hash })
          .where('seq', '=', seq)
          .execute()
        prevHash = hash
      }
      await fx.store.db
        .updateTable('audit_head')
        .set({ hash: prevHash })
        .where('id', '=', 1)
        .execute()

      expect(await chainOnly.verify()).toMatchObject({ ok: true, checked: 5 })
      expectProblems(await audit.verify(), [
        /^3: does not match checkpoint line 1: the chain was rewritten .* \(and 1 later checkpoints\)$/,
      ])
    })

    it('catches a log deleted and restarted, whether shorter or longer than before', async () => {
      await append(4)
      await checkpointer.checkpoint()

      await rewindTo(0)
      await append(2)

      expect(await chainOnly.verify()).toMatchObject({ ok: true, checked: 2, headSeq: 2 })
      expectProblems(await audit.verify(), [/^4: .*the head is at 2: .*deleted and restarted/])

      await append(3)
      expectProblems(await audit.verify(), [/^4: does not match checkpoint line 1/])
    })

    it('catches a checkpoint line whose fields were changed, or that an unknown key signed', async () => {
      await append(3)
      await checkpointer.checkpoint()
      const [line] = checkpointLines()
      const honest = JSON.parse(line ?? '') as Record<string, unknown>
      const stranger = toSigningKey(generateKeyPairSync('ed25519').privateKey)

      writeFileSync(file, `${JSON.stringify({ ...honest, seq: 2 })}\n`)
      appendFileSync(file, `${JSON.stringify(signCheckpoint(await headRow(), 1, stranger))}\n`)
      appendFileSync(file, `${JSON.stringify({ ...honest, key_id: stranger.keyId })}\n`)
      appendFileSync(file, 'not json\n')

      expectProblems(await audit.verify(), [
        /^0: checkpoint line 4 is not JSON/,
        /^2: checkpoint line 1 \(seq 2\): its signature does not verify/,
        new RegExp(`^3: checkpoint line 2 \\(seq 3\\): signed by unknown key ${stranger.keyId}`),
        /^3: checkpoint line 3 \(seq 3\): its key id is not the fingerprint of its public key/,
      ])
    })

    it('verifies checkpoints appended to one file by two processes appending to one chain', async () => {
      const input = {
        url: fx.database.url,
        sqlitePath: fx.database.sqlitePath,
        count: 30,
        pauseMs: 2,
        checkpoints: { file, keyFile: join(dir, 'audit-signing-key.pem') },
      }
      const other = await startOtherProcess(WRITER, 'appendAuditEntries', {
        ...input,
        actor: 'cli',
      })

      await Promise.all([other.go(), appendAuditEntries({ ...input, actor: 'server' })])

      // Every append is followed by its writer's checkpoint, and no line was torn or interleaved.
      expect(checkpointLines()).toHaveLength(60)
      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 60,
        headSeq: 60,
        checkpoints: 60,
        problems: [],
        warnings: [],
      })
    })
  },
)
