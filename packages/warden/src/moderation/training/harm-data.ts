import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'
import { COMMENT_SOURCES } from './harm-sources.js'
import { labelsOf, type HarmSource, type LabeledText } from './labeled-text.js'
import { PROMPT_SOURCES } from './prompt-sources.js'

/** Every public source the classifier is trained or measured on. */
export const HARM_SOURCES: readonly HarmSource[] = [...COMMENT_SOURCES, ...PROMPT_SOURCES]

/**
 * Where the labeled data is: `override` when given (the scripts pass `WARDEN_MODERATION_DATA`),
 * else `shared/data/moderation` beside the repository's own folder (`<repo>/../shared`).
 */
export function harmDataDir(override?: string): string {
  if (override) return override
  return fileURLToPath(new URL('../../../../../../shared/data/moderation', import.meta.url))
}

/** Why the training data could not be read: a missing folder or file, named. */
export class HarmDataError extends Error {
  override readonly name = 'HarmDataError'
}

/**
 * Reads every source of {@link HARM_SOURCES} from `dir` (the `moderation` folder of the shared
 * data). Throws a {@link HarmDataError} naming the folder or the first missing file.
 */
export async function loadHarmData(dir: string): Promise<LabeledText[]> {
  if (!existsSync(join(dir, 'MANIFEST.md'))) {
    throw new HarmDataError(
      `no labeled moderation data at ${dir} (expected its MANIFEST.md): check out the shared ` +
        'data beside the repository (../shared/data/moderation) or point WARDEN_MODERATION_DATA at it',
    )
  }
  const sets = await Promise.all(HARM_SOURCES.map((source) => readSource(dir, source)))
  return sets.flat()
}

async function readSource(dir: string, source: HarmSource): Promise<LabeledText[]> {
  const contents = await Promise.all(
    source.files.map(async (file) => {
      const path = join(dir, source.name, file)
      try {
        return await readFile(path, 'utf8')
      } catch (error) {
        throw new HarmDataError(`cannot read ${path}: ${(error as Error).message}`)
      }
    }),
  )
  return source.read(contents)
}

/** This repository's own labeled cases (`packages/warden/classifier/written-cases.jsonl`). */
export const WRITTEN_CASES_FILE = new URL(
  '../../../classifier/written-cases.jsonl',
  import.meta.url,
)

/** Every labeled text the classifier learns from or is measured on: the shared data and ours. */
export async function loadTrainingData(dir: string): Promise<LabeledText[]> {
  const [shared, written] = await Promise.all([
    loadHarmData(dir),
    readFile(WRITTEN_CASES_FILE, 'utf8').then(parseWrittenCases),
  ])
  return [...shared, ...written]
}

/**
 * How much a written case counts. Harmful ones twice: they are few, and written for the phrasings
 * the public sets lack. Benign ones six times: each stands for many texts that sound harmful and
 * are not ("kill a process"), against hundreds of harmful requests that share their words.
 */
const WRITTEN_HARMFUL_WEIGHT = 2
const WRITTEN_BENIGN_WEIGHT = 6

/**
 * Parses this repository's own cases: one JSON object a line, `{"text", "categories": [...],
 * "unsure"?: [...]}`; an empty `categories` is a benign case. Throws naming the bad line.
 */
export function parseWrittenCases(jsonl: string): LabeledText[] {
  return jsonl.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return []
    const { text, categories, unsure } = JSON.parse(line) as {
      text?: unknown
      categories?: unknown
      unsure?: unknown
    }
    const positive = categoryList(categories, index)
    const unknown = unsure === undefined ? [] : categoryList(unsure, index)
    if (typeof text !== 'string' || text.trim() === '') {
      throw new HarmDataError(`written case on line ${index + 1}: text must be a non-empty string`)
    }
    const subset = positive.length === 0 ? 'benign' : positive.join('+')
    return [
      {
        text,
        source: 'written',
        subset,
        group: text,
        labels: labelsOf(positive, unknown),
        unseen: false,
        weight: positive.length === 0 ? WRITTEN_BENIGN_WEIGHT : WRITTEN_HARMFUL_WEIGHT,
      },
    ]
  })
}

function categoryList(value: unknown, index: number): TextHarmCategory[] {
  const known = (c: unknown): c is TextHarmCategory =>
    TEXT_HARM_CATEGORIES.includes(c as TextHarmCategory)
  if (!Array.isArray(value) || !value.every(known)) {
    throw new HarmDataError(
      `written case on line ${index + 1}: categories must be a list of ${TEXT_HARM_CATEGORIES.join(', ')}`,
    )
  }
  return value
}
