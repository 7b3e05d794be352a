import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqliteKind } from '../testing/databases.js'
import { openStoreFixture, type StoreFixture } from '../testing/store-fixture.js'
import { createAuditCheckpointer, type AuditCheckpointerOptions } from './audit-checkpointer.js'
import type { AuditLog } from './audit-log.js'
import { loadSigningKey } from './audit-signing-key.js'

/** A webhook receiver that records each body and answers with `status`. */
async function startReceiver() {
  const bodies: Array<{ seq: number }> = []
  const receiver = { bodies, status: 200, url: '', server: null as Server | null }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      if (receiver.status === 200) bodies.push(JSON.parse(body) as { seq: number })
      res.writeHead(receiver.status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`
  receiver.server = server
  return receiver
}

describe('the audit checkpointer', () => {
  let fx: StoreFixture
  let audit: AuditLog
  let dir: string
  let errors: Array<{ what: string; error: unknown }>

  beforeEach(async () => {
    fx = await openStoreFixture(sqliteKind())
    audit = fx.createAuditLog()
    dir = mkdtempSync(join(tmpdir(), 'warden-checkpointer-'))
    errors = []
  })
  afterEach(async () => {
    await fx.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function checkpointer(options: Partial<AuditCheckpointerOptions> = {}) {
    const created = createAuditCheckpointer({
      db: fx.store.db,
      key: loadSigningKey({ keyFile: join(dir, 'key.pem') }),
      file: join(dir, 'checkpoints.jsonl'),
      now: fx.clock.now,
      onError: (error, what) => errors.push({ what, error }),
      ...options,
    })
    await created.init()
    return created
  }
  const append = (target: string) => audit.appendNow({ actor: 'cli', action: 'probe', target })
  const lines = (file = join(dir, 'checkpoints.jsonl')) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { seq: number })

  it('writes nothing on close when this process saw the head not move', async () => {
    await append('before start')
    const cp = await checkpointer()

    await cp.close()

    expect(() => lines()).toThrow(/ENOENT/)
  })

  it('writes a last checkpoint on close once the head moved', async () => {
    const cp = await checkpointer()
    await append('a')

    await cp.close()

    expect(lines().map((l) => l.seq)).toEqual([1])
  })

  it('checkpoints on its schedule once the head moves', async () => {
    const cp = await checkpointer()
    cp.schedule(20)
    await append('a')

    await expect.poll(() => lines().map((l) => l.seq), { timeout: 5_000 }).toEqual([1])
    await cp.close()
    expect(lines().map((l) => l.seq)).toEqual([1])
  })

  it('posts each checkpoint to the webhook and re-sends those it failed, in order, at the next one', async () => {
    const receiver = await startReceiver()
    try {
      const cp = await checkpointer({ webhook: receiver.url })
      await append('a')
      receiver.status = 503
      await cp.checkpoint()
      expect(errors.map((e) => e.what)).toEqual(['webhook'])

      receiver.status = 200
      await append('b')
      await cp.checkpoint()

      expect(receiver.bodies.map((b) => b.seq)).toEqual([1, 2])
      expect(lines().map((l) => l.seq)).toEqual([1, 2])
    } finally {
      receiver.server?.close()
    }
  })

  it('reports a checkpoint file it cannot write and writes the checkpoint once it can', async () => {
    const blocker = join(dir, 'not-a-folder')
    writeFileSync(blocker, '')
    const file = join(blocker, 'checkpoints.jsonl')
    const cp = await checkpointer({ file })
    await append('a')

    expect(await cp.checkpoint()).toBeNull()
    expect(errors.map((e) => e.what)).toEqual(['file'])

    rmSync(blocker)
    expect(await cp.checkpoint()).toMatchObject({ seq: 1 })
    expect(lines(file).map((l) => l.seq)).toEqual([1])
  })
})
