import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ContentTextEvent } from '../domain/index.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { openStoreFixture, type StoreFixture } from '../testing/store-fixture.js'
import { createContentRetention, type Retention } from './content-retention.js'
import { createContentTextRecorder, type ContentTextRecorder } from './content-text-recorder.js'

const DAY = 86_400_000

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'kept content retention on $name',
  (kind) => {
    let fx: StoreFixture
    let recorder: ContentTextRecorder
    let retention: Retention
    let t0: number

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      recorder = createContentTextRecorder({
        store: fx.store,
        batchSize: 50,
        flushIntervalMs: 60_000,
        maxQueue: 1_000,
        maxQueuedChars: 1_000_000,
        onError: (error) => fx.writeErrors.push(error),
      })
      retention = { flagged_content_days: 30, unflagged_content: 'hash', usage_days: 400 }
      t0 = fx.clock.now()
    })
    afterEach(async () => {
      await recorder.close()
      await fx.close()
    })

    /** A request's texts as the pipeline records them, `days` days of the policy at `at`. */
    function keep(
      requestId: string,
      at: number,
      texts: readonly string[],
      kindOf: ContentTextEvent['kind'] = 'text',
    ): void {
      const days = kindOf === 'text' ? retention.flagged_content_days : retention.usage_days
      recorder.record(
        texts.map((text, i) => ({
          requestId,
          at,
          endpoint: 'chat',
          keyId: 'key_1',
          appId: 'app_1',
          orgId: 'org_1',
          direction: 'input',
          textIndex: i,
          kind: kindOf,
          text,
          redacted: false,
          expiresAt: at + days * DAY,
        })),
      )
    }

    function open(batchSize = 100) {
      return createContentRetention({
        db: fx.store.db,
        now: fx.clock.now,
        retention: () => retention,
        batchSize,
      })
    }

    it('purges flagged texts past flagged_content_days and keeps the fresh ones', async () => {
      keep('req_old', t0, ['Call me on +34 612 345 678', 'second message'])
      keep('req_mid', t0 + 10 * DAY, ['Write to ana@example.org'])
      keep('req_new', t0 + 29 * DAY, ['My number is 0044 20 7946 0958'])
      await recorder.flush()
      const content = open()
      fx.clock.advance(31 * DAY)

      // Past its time a text is no longer shown, even before the purge deletes it.
      expect(await content.read('req_old')).toBeNull()
      expect(await content.purge()).toEqual({ texts: 2, hashes: 0 })
      expect(await content.read('req_old')).toBeNull()
      expect((await content.read('req_mid'))?.texts.map((t) => t.text)).toEqual([
        'Write to ana@example.org',
      ])
      expect((await content.read('req_new'))?.texts[0]).toMatchObject({
        direction: 'input',
        textIndex: 0,
        kind: 'text',
        text: 'My number is 0044 20 7946 0958',
        expiresAt: t0 + 59 * DAY,
      })
      expect(await content.purge()).toEqual({ texts: 0, hashes: 0 })
      expect(fx.writeErrors).toEqual([])
    })

    it('follows a policy that shortens retention, and never lengthens what was stored', async () => {
      keep('req_a', t0, ['kept under 30 days'])
      keep('req_b', t0 + 5 * DAY, ['also under 30 days'])
      await recorder.flush()
      const content = open()
      fx.clock.advance(8 * DAY)

      retention = { ...retention, flagged_content_days: 90 }
      expect((await content.read('req_a'))?.texts[0]?.expiresAt).toBe(t0 + 30 * DAY)
      retention = { ...retention, flagged_content_days: 7 }
      expect((await content.read('req_b'))?.texts[0]?.expiresAt).toBe(t0 + 12 * DAY)
      expect(await content.purge()).toEqual({ texts: 1, hashes: 0 })
      expect(await content.read('req_a')).toBeNull()
      expect(await content.read('req_b')).not.toBeNull()

      retention = { ...retention, flagged_content_days: 0 }
      expect(await content.purge()).toEqual({ texts: 1, hashes: 0 })
      expect(await content.read('req_b')).toBeNull()
    })

    it('keeps only the SHA-256 of an unflagged text, for usage_days, and drops hashes the policy no longer keeps', async () => {
      const text = 'Summarise the quarterly report in three bullet points.'
      keep('req_plain', t0, [text], 'hash')
      keep('req_later', t0 + 100 * DAY, ['another plain prompt'], 'hash')
      await recorder.flush()
      const content = open()

      const stored = await content.read('req_plain')
      expect(stored?.texts).toEqual([
        expect.objectContaining({
          kind: 'hash',
          text: null,
          sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
          expiresAt: t0 + 400 * DAY,
        }),
      ])
      fx.clock.advance(401 * DAY)
      expect(await content.purge()).toEqual({ texts: 0, hashes: 1 })
      expect(await content.read('req_later')).not.toBeNull()

      retention = { ...retention, unflagged_content: 'none' }
      expect(await content.purge()).toEqual({ texts: 0, hashes: 1 })
      const left = await fx.store.db.selectFrom('content_text').selectAll().execute()
      expect(left).toEqual([])
    })

    it('purges in batches until nothing past its time is left', async () => {
      for (let i = 0; i < 7; i += 1) keep(`req_${i}`, t0 + i, ['one', 'two', 'three'])
      keep('req_fresh', t0 + 20 * DAY, ['fresh'])
      await recorder.flush()
      fx.clock.advance(35 * DAY)

      expect(await open(2).purge()).toEqual({ texts: 21, hashes: 0 })
      const left = await fx.store.db.selectFrom('content_text').select('request_id').execute()
      expect(left).toEqual([{ request_id: 'req_fresh' }])
    })

    it('stores a text with NUL in it, hashed as it was sent', async () => {
      const text = 'before\u0000after'
      keep('req_nul', t0, [text])
      await recorder.flush()
      expect(fx.writeErrors).toEqual([])
      const stored = (await open().read('req_nul'))?.texts[0]
      expect(stored?.text).toBe('before\uFFFDafter')
      expect(stored?.sha256).toBe(createHash('sha256').update(text, 'utf8').digest('hex'))
    })
  },
)
