import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindSecrets } from '../config/index.js'
import { sendJson, startJsonServer, type JsonTestServer } from '../testing/json-test-server.js'
import {
  OPENAI_CATEGORIES_OF_POLICY,
  OPENAI_MODERATION_CATEGORIES,
  POLICY_CATEGORY_OF_OPENAI,
  openAiModerationClassifierKind,
  type OpenAiModerationOptions,
} from './openai-moderation-classifier.js'

const KEY = 'sk-moderation-test-123'

/** Scores a text the way OpenAI's endpoint would shape them: every category, 0..1. */
function scoresFor(input: string): Record<string, number> {
  const scores: Record<string, number> = Object.fromEntries(
    OPENAI_MODERATION_CATEGORIES.map((name) => [name, 0.0001]),
  )
  if (input.includes('threat')) {
    scores.harassment = 0.4
    scores['harassment/threatening'] = 0.93
    scores.violence = 0.6
  }
  if (input.includes('cut myself')) {
    scores['self-harm'] = 0.7
    scores['self-harm/intent'] = 0.88
  }
  return scores
}

let server: JsonTestServer
beforeAll(async () => {
  server = await startJsonServer((req, res) => {
    if (req.method !== 'POST' || req.path !== '/v1/moderations') {
      return sendJson(res, 404, { error: { message: 'not found' } })
    }
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      return sendJson(res, 401, { error: { message: 'Incorrect API key provided' } })
    }
    const { model, input } = JSON.parse(req.body) as { model: string; input: string }
    const category_scores = scoresFor(input)
    sendJson(res, 200, {
      id: 'modr-test',
      model,
      results: [
        {
          flagged: Object.values(category_scores).some((s) => s > 0.5),
          categories: Object.fromEntries(
            Object.entries(category_scores).map(([k, v]) => [k, v > 0.5]),
          ),
          category_scores,
        },
      ],
    })
  })
})
afterAll(() => server.close())

function optionsWith(raw: Record<string, unknown>, env: Record<string, string> = {}) {
  const options: OpenAiModerationOptions = openAiModerationClassifierKind.options.parse({
    base_url: `${server.origin}/v1`,
    ...raw,
  })
  bindSecrets(options, { env, baseDir: process.cwd() }, 'classifiers.mod')
  return options
}

async function judge(options: OpenAiModerationOptions, text: string) {
  const classifier = await openAiModerationClassifierKind.create('mod', options, {
    baseDir: process.cwd(),
    env: {},
  })
  return classifier.classify({ text, direction: 'input', signal: AbortSignal.timeout(5_000) })
}

describe('openai-moderation classifier', () => {
  it("reports each policy category at its subcategories' highest score, naming the OpenAI one", async () => {
    const findings = await judge(
      optionsWith({ api_key_env: 'MOD_KEY' }, { MOD_KEY: KEY }),
      'this is a threat',
    )
    expect(findings).toEqual(
      expect.arrayContaining([
        { category: 'harassment', score: 0.93, label: 'harassment/threatening', classifier: 'mod' },
        { category: 'violence', score: 0.6, label: 'violence', classifier: 'mod' },
      ]),
    )
    expect(findings.filter((f) => f.category === 'harassment')).toHaveLength(1)
  })

  it('sends the configured model and the text as OpenAI does', async () => {
    await judge(
      optionsWith({ api_key: KEY, model: 'text-moderation-stable' }),
      'I want to cut myself',
    )
    const last = server.received.at(-1)
    expect(JSON.parse(last?.body ?? '{}')).toEqual({
      model: 'text-moderation-stable',
      input: 'I want to cut myself',
    })
  })

  it('leaves out categories scored under min_score', async () => {
    const findings = await judge(optionsWith({ api_key: KEY }), 'a kind word')
    expect(findings).toEqual([])
    const all = await judge(optionsWith({ api_key: KEY, min_score: 0 }), 'a kind word')
    expect(all.map((f) => f.category).sort()).toEqual(
      ['harassment', 'hate', 'illicit', 'self_harm', 'sexual', 'sexual_minors', 'violence'].sort(),
    )
  })

  it('throws on a refused key without showing it', async () => {
    const error = await judge(optionsWith({ api_key: 'sk-wrong-key-456' }), 'x').catch(
      (e: Error) => e,
    )
    expect((error as Error).message).toMatch(/answered 401: Incorrect API key/)
    expect((error as Error).message).not.toContain('sk-wrong-key-456')
  })

  it('throws naming the variable when api_key_env is not set', async () => {
    await expect(judge(optionsWith({ api_key_env: 'MISSING_MOD_KEY' }), 'x')).rejects.toThrow(
      /MISSING_MOD_KEY is not set/,
    )
  })

  it('refuses api_key and api_key_env together, and unknown options', () => {
    const parse = (raw: object) =>
      openAiModerationClassifierKind.options.safeParse({ base_url: 'http://x/v1', ...raw })
    expect(parse({ api_key: 'a', api_key_env: 'B' }).success).toBe(false)
    expect(parse({ apikey: 'a' }).success).toBe(false)
    expect(parse({ base_url: 'ftp://x' }).success).toBe(false)
  })

  it('parses its own output again unchanged, the key still bound', async () => {
    const options = optionsWith({ api_key_env: 'MOD_KEY' }, { MOD_KEY: KEY })
    const again = openAiModerationClassifierKind.options.parse(options)
    expect(await judge(again, 'this is a threat')).not.toEqual([])
  })

  it('maps every OpenAI category, and back: the reverse table lists each under its policy id', () => {
    for (const name of OPENAI_MODERATION_CATEGORIES) {
      expect(OPENAI_CATEGORIES_OF_POLICY[POLICY_CATEGORY_OF_OPENAI[name]]).toContain(name)
    }
    expect(OPENAI_CATEGORIES_OF_POLICY.self_harm).toEqual([
      'self-harm',
      'self-harm/intent',
      'self-harm/instructions',
    ])
    expect(OPENAI_CATEGORIES_OF_POLICY.sexual_minors).toEqual(['sexual/minors'])
  })
})
