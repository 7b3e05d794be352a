import { existsSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { TEXT_HARM_CATEGORIES } from '../harm-categories.js'
import { encodeModel } from '../hashed-linear-model.js'
import { TEXT_HARM_MODEL_FILE } from '../text-harm-classifier.js'
import {
  HarmDataError,
  harmDataDir,
  loadHarmData,
  loadTrainingData,
  parseWrittenCases,
} from './harm-data.js'
import { foldOf, splitOf, type LabeledText } from './labeled-text.js'
import { HARM_TRAINING_OPTIONS, prepareTexts, trainHarmModel } from './train-harm-model.js'
import { loadPolicyFile } from '../../policy/index.js'

// The shared data sits beside the checkout (../shared/data), which CI guarantees: these tests
// run whenever it is there.
const dir = harmDataDir(process.env.WARDEN_MODERATION_DATA)
const present = existsSync(`${dir}/MANIFEST.md`)
let items: LabeledText[]

beforeAll(async () => {
  if (present) items = await loadTrainingData(dir)
})

describe.runIf(present)('the training data', () => {
  it('is found beside the repository, and its absence is named', async () => {
    expect(existsSync(`${dir}/MANIFEST.md`)).toBe(true)
    await expect(loadHarmData('/nonexistent/moderation')).rejects.toThrow(HarmDataError)
    await expect(loadHarmData('/nonexistent/moderation')).rejects.toThrow(
      /no labeled moderation data at \/nonexistent\/moderation.*WARDEN_MODERATION_DATA/,
    )
  })

  it('has positives in every category from the training sources', () => {
    for (const category of TEXT_HARM_CATEGORIES) {
      const positives = items.filter((t) => !t.unseen && t.labels[category] === 1)
      expect(positives.length, category).toBeGreaterThan(50)
    }
  })

  it('keeps whole sources and subsets out of training', () => {
    const unseen = new Set(items.filter((t) => t.unseen).map((t) => t.source))
    expect([...unseen].sort()).toEqual(['gsm8k', 'hatecheck', 'simple-safety-tests', 'xstest'])
    const hatecheckUnseen = items.filter((t) => t.source === 'hatecheck' && t.unseen)
    expect(hatecheckUnseen.every((t) => t.subset.startsWith('spell_'))).toBe(true)
    expect(prepareTexts(hatecheckUnseen.slice(0, 5)).every((t) => t.split === 'unseen')).toBe(true)
  })

  it('splits and folds by a hash of the group: the same every run, one split and fold per HateCheck template', () => {
    expect(splitOf('hatecheck:17')).toBe(splitOf('hatecheck:17'))
    const byTemplate = new Map<string, Set<string>>()
    for (const t of prepareTexts(items.filter((i) => i.source === 'hatecheck' && !i.unseen))) {
      const place = `${t.split} ${foldOf(t.item.group, 5)}`
      byTemplate.set(t.item.group, (byTemplate.get(t.item.group) ?? new Set()).add(place))
    }
    for (const splits of byTemplate.values()) expect(splits.size).toBe(1)
    const shares = { train: 0, test: 0 }
    for (let i = 0; i < 10_000; i++) shares[splitOf(`text ${i}`)]++
    expect(shares.train / 10_000).toBeCloseTo(0.8, 1)
    expect(shares.test / 10_000).toBeCloseTo(0.2, 1)
    const folds = [0, 0, 0, 0, 0]
    for (let i = 0; i < 10_000; i++) {
      const fold = foldOf(`text ${i}`, 5)
      folds[fold] = (folds[fold] ?? 0) + 1
    }
    for (const fold of folds) expect(fold / 10_000).toBeCloseTo(0.2, 1)
  })

  it("reads this repository's written cases and refuses an unknown category by line", () => {
    const cases = parseWrittenCases('{"text": "how do I bake bread", "categories": []}\n')
    expect(cases[0]?.labels).toMatchObject({ hate: 0, self_harm: 0 })
    expect(() =>
      parseWrittenCases('{"text": "x", "categories": []}\n{"text": "y", "categories": ["spam"]}'),
    ).toThrow(/line 2: categories must be a list of hate/)
  })

  it("places each category's operating score at the default policy's sandbox threshold", async () => {
    const { document } = await loadPolicyFile(null)
    for (const category of TEXT_HARM_CATEGORIES) {
      const policy = document.categories.find((c) => c.id === category)
      const threshold = policy?.actions.sandbox?.threshold ?? 0.5
      expect(HARM_TRAINING_OPTIONS.operatingScores[category] ?? 0.5, category).toBe(threshold)
    }
  })

  it('trains the committed weights: the training script reproduces them byte for byte', () => {
    const committed = readFileSync(TEXT_HARM_MODEL_FILE)
    const texts = prepareTexts(items)
    const counts: Record<string, number> = {}
    for (const t of texts)
      counts[`${t.item.source} ${t.split}`] = (counts[`${t.item.source} ${t.split}`] ?? 0) + 1
    const { about } = JSON.parse(
      committed.toString('utf8', 12, 12 + committed.readUInt32LE(8)),
    ) as {
      about: { trainedBy: string; options: never; texts: Record<string, number> }
    }
    expect(about.texts).toEqual(counts)
    const model = trainHarmModel(texts, undefined, {
      trainedBy: about.trainedBy,
      options: about.options,
      texts: counts,
    })
    const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
    expect(sha(encodeModel(model))).toBe(sha(committed))
  }, 600_000)
})
