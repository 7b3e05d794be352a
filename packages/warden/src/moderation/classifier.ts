/**
 * The classifier extension point (ARCHITECTURE.md): a classifier judges one text and returns
 * findings as values; a throw means it is broken. Kept minimal until the registry exists.
 */

/** One category a classifier found in a text, with how sure it is. */
export interface Finding {
  /** A content category id of the usage policy (`hate`, `self_harm`, …). */
  readonly category: string
  /** 0..1: how strongly the text belongs to the category. */
  readonly score: number
  /** Where in the text (UTF-16 offsets, end exclusive), when the finding has a place. */
  readonly start?: number
  readonly end?: number
  /** The id of the classifier that found it. */
  readonly classifier: string
}

/** What a classifier knows about the text besides the text. */
export interface ClassifyContext {
  /** A request's input or a model's output. */
  readonly direction: 'input' | 'output'
  /** Aborted when the request is gone; a long classification stops early. */
  readonly signal?: AbortSignal
}

/** Judges one text. Safe to call concurrently; never mutates its input. */
export interface Classifier {
  readonly id: string
  classify(text: string, context: ClassifyContext): Promise<readonly Finding[]> | readonly Finding[]
}
