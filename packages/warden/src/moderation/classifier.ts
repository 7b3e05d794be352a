import type { z } from 'zod'

/**
 * The classifier extension point (ARCHITECTURE.md): a classifier judges one text and returns
 * findings as values; a throw means it is broken, and what a broken classifier does
 * (`fail: closed | open`) is the registry's configuration, not the classifier's business.
 */

/** Where in the text a finding lies: UTF-16 offsets, end exclusive. */
export interface TextSpan {
  readonly start: number
  readonly end: number
}

/** One category a classifier found in a text, with how sure it is. */
export interface Finding {
  /** A content category id of the usage policy (`hate`, `pii`, `payment_card`, …). */
  readonly category: string
  /** 0..1: how strongly the text belongs to the category. */
  readonly score: number
  /** Where the finding lies, when it has a place (PII, secrets, a phrase). */
  readonly span?: TextSpan
  /**
   * What it is within the category, for placeholders and reviewers: `email`, `phone`,
   * `openai_key`, `instruction_override`… snake_case, never the matched text itself.
   */
  readonly label?: string
  /** The id of the classifier that found it. */
  readonly classifier: string
}

export const DIRECTIONS = ['input', 'output'] as const
/** A request's input (prompt) or a model's output (completion). */
export type Direction = (typeof DIRECTIONS)[number]

/** One text to judge. */
export interface ClassifyInput {
  readonly text: string
  readonly direction: Direction
  /** Aborted when the request is gone or the classifier's time is up; stop early then. */
  readonly signal: AbortSignal
}

/** Judges one text. Safe to call concurrently; never mutates its input. */
export interface Classifier {
  readonly id: string
  classify(input: ClassifyInput): Promise<readonly Finding[]>
  /**
   * Judges a text at once, where the classifier can: the local ones for texts they read without
   * yielding to the event loop, returning `undefined` otherwise (the set then calls `classify`).
   * The set calls it in a plain loop, with no promise and no timer per classifier: nothing could
   * interrupt synchronous work anyway, and a request's checks cost less than its bookkeeping did.
   * It must find what `classify` finds.
   */
  classifyNow?(input: ClassifyInput): readonly Finding[] | undefined
  /** Lets go of what it holds (a model session, a connection pool), where it holds any. */
  close?(): Promise<void>
}

/** What the composition root gives every classifier it builds. */
export interface ClassifierDeps {
  /** Where relative paths in options (a model directory, a weights file) are resolved. */
  readonly baseDir: string
  /** The environment `env:NAME` secrets in options are read from. */
  readonly env: Readonly<Record<string, string | undefined>>
}

/** A kind of classifier: its options schema and how to build one. */
export interface ClassifierKind<Options> {
  readonly kind: string
  /**
   * Calls out over the network: each call gets a signal of its own, aborted when its time is
   * up, so a slow server does not keep a connection busy for an answer nobody waits for.
   * Local classifiers share the request's signal, which costs nothing per call.
   */
  readonly remote?: boolean
  readonly options: z.ZodType<Options>
  /** Builds a classifier; may load files or models, once, at start-up. */
  create(id: string, options: Options, deps: ClassifierDeps): Classifier | Promise<Classifier>
}

/**
 * A classifier's two ways of judging from one synchronous judge: `classifyNow` is the judge,
 * `classify` its answer as a promise, rejected when the judge throws.
 */
export function judgedAtOnce(
  judge: (input: ClassifyInput) => readonly Finding[],
): Pick<Classifier, 'classify' | 'classifyNow'> {
  return {
    classifyNow: judge,
    classify: (input) => {
      try {
        return Promise.resolve(judge(input))
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },
  }
}
