import { afterEach, describe, expect, it } from 'vitest'
import { bindSecrets } from '../config/index.js'
import {
  sendJson,
  startJsonServer,
  type JsonTestServer,
  type TestHandler,
} from '../testing/json-test-server.js'
import type { Classifier, ClassifyInput } from './classifier.js'
import { llamaGuardClassifierKind } from './llama-guard-classifier.js'
import { openAiModerationClassifierKind } from './openai-moderation-classifier.js'
import { webhookClassifierKind } from './webhook-classifier.js'

/** What the shared suite needs to know of one remote classifier kind. */
interface RemoteClassifierCase {
  /** Builds the classifier against a server at `origin`, holding `secret` as its credential. */
  build(origin: string, secret: string): Classifier | Promise<Classifier>
  /** A well-formed answer, so that the suite can check the good path works at all. */
  goodAnswer: unknown
}

/** A credential that must never show in an error message. */
const SECRET = 'sk-test-DO-NOT-SHOW-9f8e7d'

const inputOf = (signal: AbortSignal): ClassifyInput => ({
  text: 'a text to judge',
  direction: 'input',
  signal,
})
const noDeadline = (): AbortSignal => new AbortController().signal

/**
 * How every remote classifier behaves when its server misbehaves: a throw with a clear message
 * (the registry then applies `fail: open | closed`), never a hang, an unbounded read or the
 * credential in the message. Real sockets, a real server on a free port.
 */
function describeRemoteClassifierFailures(name: string, kase: RemoteClassifierCase): void {
  describe(`${name} against a misbehaving server`, () => {
    let server: JsonTestServer | undefined
    afterEach(async () => {
      await server?.close()
      server = undefined
    })
    const serve = async (handler: TestHandler): Promise<Classifier> => {
      server = await startJsonServer(handler)
      return kase.build(server.origin, SECRET)
    }

    it('answers when the server answers well', async () => {
      const classifier = await serve((_, res) => sendJson(res, 200, kase.goodAnswer))
      await expect(classifier.classify(inputOf(noDeadline()))).resolves.toBeInstanceOf(Array)
    })

    it('throws naming the status on a 500, without the credential the server echoed', async () => {
      const classifier = await serve((req, res) =>
        sendJson(res, 500, { error: { message: `boom, you sent ${JSON.stringify(req.headers)}` } }),
      )
      const error = await classifier.classify(inputOf(noDeadline())).catch((e: Error) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toMatch(/answered 500: boom/)
      expect((error as Error).message).not.toContain(SECRET)
    })

    it('throws on an answer that is not JSON', async () => {
      const classifier = await serve((_, res) => res.writeHead(200).end('<html>gateway</html>'))
      await expect(classifier.classify(inputOf(noDeadline()))).rejects.toThrow(/not JSON/)
    })

    it('throws on JSON that is not the expected answer', async () => {
      const classifier = await serve((_, res) => sendJson(res, 200, { choices: 'nope', x: 1 }))
      await expect(classifier.classify(inputOf(noDeadline()))).rejects.toThrow(/does not parse/)
    })

    it('refuses an answer that announces more bytes than allowed, without reading it', async () => {
      const classifier = await serve((_, res) => {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) })
        res.write('{"results":[')
      })
      await expect(classifier.classify(inputOf(noDeadline()))).rejects.toThrow(/more than/)
    })

    it('stops reading an endless answer once it passes the bound', async () => {
      const started = performance.now()
      const classifier = await serve((_, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        const chunk = Buffer.alloc(64 * 1024, 0x20)
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump)
        }
        pump()
      })
      await expect(classifier.classify(inputOf(noDeadline()))).rejects.toThrow(/longer than/)
      expect(performance.now() - started).toBeLessThan(5_000)
    })

    it('gives up when the signal times out on a server that never answers', async () => {
      const classifier = await serve(() => undefined)
      const started = performance.now()
      const error = await classifier
        .classify(inputOf(AbortSignal.timeout(150)))
        .catch((e: Error) => e)
      expect((error as Error).name).toBe('TimeoutError')
      expect(performance.now() - started).toBeLessThan(2_000)
    })

    it('does not call the server at all when the signal is already aborted', async () => {
      const classifier = await serve((_, res) => sendJson(res, 200, kase.goodAnswer))
      const controller = new AbortController()
      controller.abort(new Error('request gone'))
      await expect(classifier.classify(inputOf(controller.signal))).rejects.toThrow(/request gone/)
      expect(server?.received).toHaveLength(0)
    })

    it('names the endpoint when nothing listens there', async () => {
      const classifier = await serve(() => undefined)
      const origin = server?.origin ?? ''
      await server?.close()
      server = undefined
      await expect(classifier.classify(inputOf(noDeadline()))).rejects.toThrow(
        new RegExp(`cannot reach ${origin.replace(/[.]/g, '\\.')}`),
      )
    })
  })
}

/** Options parsed and their secrets bound as `loadConfig` does, from a fake environment. */
function optionsOf<T>(
  schema: { parse(input: unknown): T },
  raw: unknown,
  env: Record<string, string>,
): T {
  const options = schema.parse(raw)
  bindSecrets(options, { env, baseDir: process.cwd() }, 'moderation.classifiers.test')
  return options
}

describeRemoteClassifierFailures('openai-moderation', {
  build: (origin, secret) =>
    openAiModerationClassifierKind.create(
      'mod',
      optionsOf(
        openAiModerationClassifierKind.options,
        { base_url: `${origin}/v1`, api_key_env: 'MOD_KEY' },
        { MOD_KEY: secret },
      ),
      { baseDir: process.cwd(), env: {} },
    ),
  goodAnswer: { id: 'modr-1', results: [{ flagged: false, category_scores: { hate: 0.2 } }] },
})

describeRemoteClassifierFailures('llama-guard', {
  build: (origin, secret) =>
    llamaGuardClassifierKind.create(
      'guard',
      optionsOf(
        llamaGuardClassifierKind.options,
        { base_url: `${origin}/v1`, model: 'llama-guard3', api_key: 'env:GUARD_KEY' },
        { GUARD_KEY: secret },
      ),
      { baseDir: process.cwd(), env: {} },
    ),
  goodAnswer: { choices: [{ index: 0, message: { role: 'assistant', content: 'safe' } }] },
})

describeRemoteClassifierFailures('webhook', {
  build: (origin, secret) =>
    webhookClassifierKind.create(
      'hook',
      optionsOf(
        webhookClassifierKind.options,
        { url: `${origin}/classify`, headers: { authorization: 'env:HOOK_TOKEN' } },
        { HOOK_TOKEN: `Bearer ${secret}` },
      ),
      { baseDir: process.cwd(), env: {} },
    ),
  goodAnswer: { findings: [{ category: 'spam', score: 0.4 }] },
})
