import type * as TransformersModule from '@huggingface/transformers'
import { basename, dirname, resolve, sep } from 'node:path'
import { z } from 'zod'
import type { Classifier, ClassifierKind, ClassifyInput, Finding } from './classifier.js'

type Transformers = typeof TransformersModule

const snakeId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case')

/** The options of `kind: onnx`. */
export const onnxOptions = z
  .object({
    /**
     * The model folder in Hugging Face layout (`config.json`, `tokenizer.json`,
     * `onnx/model.onnx`), relative to the config file's folder. Nothing is ever downloaded.
     */
    dir: z.string().min(1),
    /**
     * Every label of the model and what it means: `{ category: prompt_injection }` reports the
     * label's probability under that category; `invert: true` reports one minus it (a model
     * with only a SAFE label); no category means the label is reported as nothing.
     */
    labels: z.record(
      z.string().min(1),
      z.object({ category: snakeId.optional(), invert: z.boolean().default(false) }).strict(),
    ),
    /** Which weights file of `onnx/`: `fp32` is `model.onnx`, `q8` is `model_quantized.onnx`. */
    dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']).default('fp32'),
    /**
     * Characters per window: a text is judged window by window, each cut to the model's own
     * token limit, and a category scores its best window.
     */
    window_chars: z.number().int().min(16).default(2000),
    /** Most windows judged per text; past it, the first and last halves of them. */
    max_windows: z.number().int().min(1).max(256).default(16),
    /** Scores below this are not reported. */
    min_score: z.number().min(0).max(1).default(0.01),
  })
  .strict()

/** The validated options of `kind: onnx`. */
export type OnnxOptions = z.output<typeof onnxOptions>

/** `kind: onnx`: a local text-classification model (Prompt Guard, a toxicity model, …). */
export const onnxClassifierKind: ClassifierKind<OnnxOptions> = {
  kind: 'onnx',
  options: onnxOptions,
  create: (id, options, deps) => createOnnxClassifier(id, options, deps.baseDir),
}

/** What a text-classification pipeline answers for a batch with every label asked for. */
const batchScores = z.array(z.array(z.object({ label: z.string(), score: z.number() })))

/** The package, loaded only when an `onnx` classifier is configured: it is optional. */
async function loadTransformers(): Promise<Transformers> {
  try {
    return await import('@huggingface/transformers')
  } catch (error) {
    throw new Error(
      'the onnx classifier needs the optional package @huggingface/transformers; install it with `npm install --include=optional`',
      { cause: error },
    )
  }
}

// transformers.js keeps its settings in one module-wide `env`, read while a model's files load:
// two models in different folders must not load at the same time.
let loads: Promise<unknown> = Promise.resolve()

/**
 * Loads a local model once, at start, and checks its labels against the options both ways, so
 * a model label the options forget, or an option naming a label the model lacks, stops the
 * start instead of going unreported.
 */
export async function createOnnxClassifier(
  id: string,
  options: OnnxOptions,
  baseDir: string,
): Promise<Classifier> {
  const dir = resolve(baseDir, options.dir)
  const { env, pipeline } = await loadTransformers()
  const load = loads.then(async () => {
    env.allowRemoteModels = false
    env.allowLocalModels = true
    env.localModelPath = dirname(dir) + sep
    return pipeline('text-classification', basename(dir), {
      dtype: options.dtype,
      local_files_only: true,
    })
  })
  loads = load.catch(() => undefined)
  const classify = await load.catch((error: Error) => {
    throw new Error(`onnx "${id}": cannot load the model in ${dir}: ${error.message}`, {
      cause: error,
    })
  })
  // The config's typings leave out `id2label`; it is read, and checked, as data.
  const id2label = z
    .record(z.string(), z.string())
    .safeParse(Reflect.get(classify.model.config, 'id2label'))
  const modelLabels = id2label.success ? Object.values(id2label.data) : []
  const unmapped = modelLabels.filter((label) => options.labels[label] === undefined)
  const unknown = Object.keys(options.labels).filter((label) => !modelLabels.includes(label))
  if (unmapped.length > 0 || unknown.length > 0 || modelLabels.length === 0) {
    await classify.dispose()
    throw new Error(
      `onnx "${id}": the model's labels are ${JSON.stringify(modelLabels)}` +
        (unmapped.length > 0 ? `; labels gives none for ${JSON.stringify(unmapped)}` : '') +
        (unknown.length > 0 ? `; the model has no ${JSON.stringify(unknown)}` : ''),
    )
  }

  return {
    id,
    async classify({ text, signal }: ClassifyInput): Promise<readonly Finding[]> {
      signal.throwIfAborted()
      const windows = windowsOf(text, options.window_chars, options.max_windows)
      if (windows.length === 0) return []
      const answer = await classify(
        windows.map((w) => text.slice(w.start, w.end)),
        { top_k: modelLabels.length },
      )
      signal.throwIfAborted()
      const parsed = batchScores.safeParse(answer)
      if (!parsed.success) throw new Error(`onnx "${id}": the pipeline answered an unknown shape`)
      return toFindings(parsed.data, windows, options, id, windows.length > 1)
    },
  }
}

interface Window {
  readonly start: number
  readonly end: number
}

/**
 * A text as consecutive windows of `size` characters, at most `max` of them: the first and
 * last halves when there are more, since an injection hides at either end of a long prompt.
 * A window never ends between the two halves of a surrogate pair.
 */
export function windowsOf(text: string, size: number, max: number): Window[] {
  const windows: Window[] = []
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + size)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1
    windows.push({ start, end })
    start = end
  }
  if (windows.length <= max) return windows
  const head = Math.ceil(max / 2)
  return [...windows.slice(0, head), ...windows.slice(windows.length - (max - head))]
}

/** Each mapped category at its best window's score, the label that gave it kept. */
function toFindings(
  batches: z.infer<typeof batchScores>,
  windows: readonly Window[],
  options: OnnxOptions,
  classifier: string,
  withSpan: boolean,
): Finding[] {
  const best = new Map<string, Finding>()
  batches.forEach((scores, index) => {
    const window = windows[index]
    for (const { label, score } of scores) {
      const meaning = options.labels[label]
      if (meaning?.category === undefined) continue
      const value = meaning.invert ? 1 - score : score
      if (value < options.min_score) continue
      const held = best.get(meaning.category)
      if (held !== undefined && held.score >= value) continue
      best.set(meaning.category, {
        category: meaning.category,
        score: value,
        label: label.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
        ...(withSpan && window ? { span: { start: window.start, end: window.end } } : {}),
        classifier,
      })
    }
  })
  return [...best.values()]
}
