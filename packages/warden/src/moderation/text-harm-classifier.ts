import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { z } from 'zod'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Classifier, ClassifierKind, ClassifyInput, Finding } from './classifier.js'
import {
  boundedWordSums,
  decodeModel,
  type HashedLinearModel,
  type WordSums,
} from './hashed-linear-model.js'
import { applySecondStage } from './text-harm-second-stage.js'
import {
  bestWindows,
  chunksOf,
  sumChunks,
  type Span,
  type ChunkSums,
  type WindowScores,
} from './window-scores.js'

/** Where the trained weights ship: `classifier/text-harm-model.bin` of the package. */
export const TEXT_HARM_MODEL_FILE = new URL('../../classifier/text-harm-model.bin', import.meta.url)

export interface TextHarmClassifierOptions {
  /** Names the classifier in its findings (default `text-harm`). */
  readonly id?: string
  /** The weights file (default: the shipped one). */
  readonly modelFile?: URL | string
  /** A model already in memory, instead of a file. */
  readonly model?: HashedLinearModel
  /** Findings below this score are not reported. */
  readonly minScore?: number
  /** Longest stretch scored at once; longer texts are scored by overlapping windows. */
  readonly windowChars?: number
  /** Most characters scored per text: past it, its first and last halves of this. */
  readonly maxChars?: number
  /** Characters scored between two yields to the event loop. */
  readonly sliceChars?: number
}

/** The scoring settings of a classifier, all given. */
type Settings = Required<
  Pick<TextHarmClassifierOptions, 'minScore' | 'windowChars' | 'maxChars' | 'sliceChars'>
>

export const TEXT_HARM_DEFAULTS: Readonly<Settings> = {
  minScore: 0.1,
  windowChars: 256,
  maxChars: 256 * 1024,
  sliceChars: 16 * 1024,
}

const textHarmOptions = z
  .object({
    /** Another weights file (made by `npm run train:classifier`), relative to the config. */
    model_file: z.string().min(1).optional(),
    /** Findings below this score are not reported. */
    min_score: z.number().min(0).max(1).default(TEXT_HARM_DEFAULTS.minScore),
  })
  .strict()

/** The trained text classifier as a kind of the registry (`kind: text-harm`). */
export const textHarmClassifierKind: ClassifierKind<z.infer<typeof textHarmOptions>> = {
  kind: 'text-harm',
  options: textHarmOptions,
  async create(id, options, deps) {
    const file = options.model_file
    const model = await loadHashedLinearModel(
      file === undefined
        ? TEXT_HARM_MODEL_FILE
        : isAbsolute(file)
          ? file
          : resolve(deps.baseDir, file),
    )
    return createTextHarmClassifier({ id, model, minScore: options.min_score })
  },
}

/**
 * The trained offline text classifier: hashed word and character n-grams, one linear model per
 * harm category (`docs/model-card-text-classifier.md`). The weights are read once, on first use.
 * A long text is scored by windows, in slices that yield to the event loop, so a megabyte of
 * input never holds the process for more than a slice.
 */
export function createTextHarmClassifier(options: TextHarmClassifierOptions = {}): Classifier {
  const settings: Settings = { ...TEXT_HARM_DEFAULTS, ...withoutUndefined(options) }
  let loading: Promise<HashedLinearModel> | undefined
  /** The model once loaded: texts of one slice are then judged at once. */
  let ready: HashedLinearModel | undefined
  const model = (): Promise<HashedLinearModel> =>
    (loading ??= (
      options.model
        ? Promise.resolve(options.model)
        : loadHashedLinearModel(options.modelFile ?? TEXT_HARM_MODEL_FILE)
    ).then((loaded) => (ready = loaded)))
  const id = options.id ?? 'text-harm'
  const wordSums = boundedWordSums(WORD_SUMS_KEPT)
  return {
    id,
    classifyNow({ text, signal }: ClassifyInput): readonly Finding[] | undefined {
      if (ready === undefined || text.length > settings.sliceChars) return undefined
      signal.throwIfAborted()
      const scores = scoreWithCache(ready, text, settings.windowChars, settings.maxChars, wordSums)
      return toFindings(ready, scores, settings.minScore, id)
    },
    async classify({ text, signal }: ClassifyInput): Promise<readonly Finding[]> {
      const loaded = await model()
      const scores = await scoreInSlices(loaded, text, settings, signal, wordSums)
      return toFindings(loaded, scores, settings.minScore, id)
    },
  }
}

/**
 * Distinct words whose sums a classifier keeps per generation (two at most): the commonest
 * words of most prompts, for about a megabyte.
 */
const WORD_SUMS_KEPT = 4096

/** Reads and decodes a weights file, naming the file when it cannot. */
export async function loadHashedLinearModel(file: URL | string): Promise<HashedLinearModel> {
  const bytes = await readFile(file).catch((error: Error) => {
    throw new Error(`cannot read the text classifier's weights: ${error.message}`, { cause: error })
  })
  return decodeModel(bytes)
}

/**
 * Scores every window of a text, synchronously: for tests, evaluation and short texts. A model
 * with a second stage rescores each category's best window with it (`text-harm-second-stage.ts`).
 */
export function scoreText(
  model: HashedLinearModel,
  text: string,
  windowChars: number = TEXT_HARM_DEFAULTS.windowChars,
  maxChars: number = TEXT_HARM_DEFAULTS.maxChars,
): WindowScores {
  return scoreWithCache(model, text, windowChars, maxChars, new Map<string, Int32Array>())
}

/** {@link scoreText} with a classifier's word sums: what one slice of {@link scoreInSlices} does. */
function scoreWithCache(
  model: HashedLinearModel,
  text: string,
  windowChars: number,
  maxChars: number,
  cache: WordSums,
): WindowScores {
  const parts = chunksOf(text, windowChars, maxChars)
  const first = bestWindows(
    model,
    parts.map((chunks) => sumChunks(model, text, chunks, cache)),
  )
  return applySecondStage(model, text, first)
}

/** Like {@link scoreText}, yielding to the event loop every `sliceChars` characters. */
async function scoreInSlices(
  model: HashedLinearModel,
  text: string,
  settings: Settings,
  signal: AbortSignal | undefined,
  cache: WordSums,
): Promise<WindowScores> {
  const parts: ChunkSums[][] = []
  let first = true
  for (const chunks of chunksOf(text, settings.windowChars, settings.maxChars)) {
    const sums: ChunkSums[] = []
    for (const slice of slices(chunks, settings.sliceChars)) {
      if (!first) await nextTurn()
      first = false
      signal?.throwIfAborted()
      sums.push(...sumChunks(model, text, slice, cache))
    }
    parts.push(sums)
  }
  return applySecondStage(model, text, bestWindows(model, parts))
}

/** Consecutive runs of chunks of about `chars` characters each. */
function slices(chunks: readonly Span[], chars: number): Span[][] {
  const runs: Span[][] = [[]]
  let size = 0
  for (const chunk of chunks) {
    if (size >= chars) {
      runs.push([])
      size = 0
    }
    runs.at(-1)?.push(chunk)
    size += chunk[1] - chunk[0]
  }
  return runs
}

function toFindings(
  model: HashedLinearModel,
  scores: WindowScores,
  minScore: number,
  classifier: string,
): Finding[] {
  const findings: Finding[] = []
  model.categories.forEach((category, c) => {
    const score = scores.scores[c] as number
    if (score < minScore) return
    const span =
      scores.windows > 1
        ? { span: { start: scores.starts[c] as number, end: scores.ends[c] as number } }
        : {}
    findings.push({ category, score, ...span, classifier })
  })
  return findings.sort((a, b) => b.score - a.score)
}

const withoutUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
