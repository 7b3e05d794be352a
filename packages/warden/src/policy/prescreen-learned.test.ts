import { execFile } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICY_FILE, parsePolicy } from './policy-source.js'
import {
  DEFAULT_LEARNED_MODEL_FILE,
  learnedClauses,
  shippedLearnedModel,
} from './prescreen-learned.js'
import { trainLearnedModel, type TrainingExample } from './prescreen-training.js'
import { prescreen } from './prescreen.js'

const { document } = parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8'))
const ids = (description: string, learned?: null) =>
  prescreen({ description }, document, learned === null ? { learned: null } : {}).clauses.map(
    (c) => c.id,
  )

describe('the learned layer of the pre-screen', () => {
  it('is shipped, for the default policy’s prohibited clauses', () => {
    const model = shippedLearnedModel()
    expect(model).not.toBeNull()
    expect(model?.classes).toEqual([
      'none',
      ...document.prohibited.map((p) => `prohibited.${p.id}`),
    ])
    expect(model?.threshold).toBeGreaterThan(0)
    expect(model?.threshold).toBeLessThan(1)
  })

  it('reads a prohibited use in wording no phrase of the policy names, and says which words', () => {
    // Written for this test; in no labeled set.
    const text =
      'Loyalty win-back: we obtained about 90k mobile numbers from a lead vendor and want a ' +
      'weekly promo text to each of them, worded a little differently every time so carriers ' +
      'do not group them.'
    expect(ids(text, null)).toEqual([])
    const result = prescreen({ description: text }, document)
    expect(result.outcome).toBe('prohibited')
    const [spam] = result.clauses
    expect(spam?.id).toBe('prohibited.spam')
    expect(spam?.why).toMatch(/^Spam and unsolicited bulk messages: the learned model reads/)
    expect(spam?.matched.length).toBeGreaterThan(0)
    for (const word of spam?.matched ?? []) expect(text.toLowerCase()).toContain(word)
  })

  it('leaves plain and defensive applications alone', () => {
    for (const text of [
      'Suggests recipes from whatever is in the fridge, with a shopping list for the week.',
      'Summarises our support tickets every morning so the team sees the top three issues.',
      'Detect phishing e-mails that reach our staff and move them to quarantine for IT.',
      'Translates our museum’s audio guide into six languages; a curator checks each one.',
    ]) {
      expect(prescreen({ description: text }, document).outcome, text).not.toBe('prohibited')
    }
  })

  it('does not judge a text shorter than the applications it knows', () => {
    const model = shippedLearnedModel()
    if (!model) throw new Error('no shipped model')
    const all = new Set(model.classes)
    expect(
      learnedClauses(model, { description: 'do you work for a different person' }, all),
    ).toEqual([])
  })

  it('speaks only for clauses the policy in use has', () => {
    const model = shippedLearnedModel()
    if (!model) throw new Error('no shipped model')
    const app = {
      description:
        'Growth service: we keep about 300 store accounts, each with its own history, and post ' +
        'five-star ratings for our clients’ apps a few at a time so the store does not notice.',
    }
    expect(learnedClauses(model, app, new Set(model.classes)).length).toBeGreaterThan(0)
    expect(learnedClauses(model, app, new Set(['prohibited.malware']))).toEqual([])
  })
})

describe('training the learned layer', () => {
  const examples: TrainingExample[] = [
    {
      app: { description: 'send cold promo texts to numbers we bought' },
      clauses: ['prohibited.spam'],
    },
    {
      app: { description: 'blast promo e-mails to a list we bought' },
      clauses: ['prohibited.spam'],
    },
    { app: { description: 'answer questions about our opening hours' }, clauses: [] },
    { app: { description: 'answer questions about our return policy' }, clauses: [] },
  ]
  const options = {
    classes: ['prohibited.spam'],
    epochs: 20,
    learningRate: 1,
    l2: 1e-5,
    minExamples: 1,
    targetPrecision: 0.9,
    folds: 2,
  }

  it('is deterministic: the same examples give the same weights', () => {
    expect(trainLearnedModel(examples, options)).toEqual(trainLearnedModel(examples, options))
  })

  it('learns which words point to a clause', () => {
    const model = trainLearnedModel(examples, options)
    const found = learnedClauses(
      { ...model, threshold: 0.5, minWords: 1 },
      { description: 'promo texts to a list we bought' },
      new Set(['prohibited.spam']),
    )
    expect(found.map((f) => f.id)).toEqual(['prohibited.spam'])
    expect(found[0]?.words).toContain('bought')
  })

  // It reads the public everyday requests beside the checkout (../shared/data), which CI has.
  it.runIf(existsSync(new URL('../../../../../shared/data/moderation', import.meta.url)))(
    'ships the weights that train.mjs makes from the labeled set',
    async () => {
      const out = path.join(await mkdtemp(path.join(tmpdir(), 'warden-train-')), 'weights.json')
      const script = new URL('../../prescreen/train.mjs', import.meta.url).pathname
      await promisify(execFile)(process.execPath, [script, '--out', out], { timeout: 120_000 })
      const shipped = await readFile(DEFAULT_LEARNED_MODEL_FILE, 'utf8')
      expect(await readFile(out, 'utf8')).toBe(shipped)
    },
    120_000,
  )
})
