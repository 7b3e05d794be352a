import type { PolicySnapshot } from '../policy/index.js'
import type { Direction, TextSpan } from './classifier.js'
import type { CappedFinding, ClassifierSet } from './classifier-set.js'
import { decide, type ContentVerdict, type DecidedFinding } from './content-decision.js'
import type { Redactor } from './redaction.js'

/** A finding placed in one of the texts that were judged together. */
export interface PlacedFinding extends DecidedFinding {
  /** Which of the texts it lies in; null for a finding about the texts as a whole. */
  readonly text: number | null
}

/** The judgement of a request's texts in one direction. */
export interface TextsVerdict extends Omit<ContentVerdict, 'findings'> {
  readonly findings: readonly PlacedFinding[]
  /** True when the texts were longer than the filter reads, and their end went unjudged. */
  readonly truncated: boolean
}

export interface ContentFilterDeps {
  readonly classifiers: ClassifierSet
  readonly policy: () => PolicySnapshot
  /** The most characters judged per request and direction. */
  readonly maxChars: number
}

/** Between two texts judged together: a break no phrase runs across by accident. */
const SEPARATOR = '\n\n'

/**
 * The content filter: judges a request's texts (its messages, its prompts) against the policy
 * of the caller's tier. The texts are judged as one, so an attack split across messages is
 * read whole, and each finding is placed back in the text it came from.
 */
export function createContentFilter(deps: ContentFilterDeps) {
  return {
    reads: (direction: Direction) => deps.classifiers.reads(direction),

    async check(
      texts: readonly string[],
      options: {
        readonly direction: Direction
        readonly tier: string
        readonly signal: AbortSignal
      },
    ): Promise<TextsVerdict> {
      const starts: number[] = []
      let joined = ''
      for (const text of texts) {
        if (joined.length > 0) joined += SEPARATOR
        starts.push(joined.length)
        joined += text
      }
      const truncated = joined.length > deps.maxChars
      if (truncated) joined = joined.slice(0, deps.maxChars)
      const classified = await deps.classifiers.classify(joined, options.direction, options.signal)
      const placed = classified.findings.flatMap((f) => place(f, starts, texts))
      const verdict = decide(
        { findings: placed, failures: classified.failures },
        deps.policy().document,
        options.tier,
        options.direction,
      )
      return {
        ...verdict,
        findings: verdict.findings as PlacedFinding[],
        truncated,
      }
    },
  }
}

/** The filter of this process. */
export type ContentFilter = ReturnType<typeof createContentFilter>

type PlacedCapped = CappedFinding & { readonly text: number | null }

/**
 * A finding of the joined text, as findings of the texts it covers: a span that crosses from
 * one text into the next is cut at the border, so each part can be redacted in its own text.
 */
function place(
  finding: CappedFinding,
  starts: readonly number[],
  texts: readonly string[],
): PlacedCapped[] {
  const span = finding.span
  if (span === undefined) return [{ ...finding, text: null }]
  const out: PlacedCapped[] = []
  for (let i = 0; i < texts.length; i += 1) {
    const from = starts[i] as number
    const to = from + (texts[i] as string).length
    const start = Math.max(span.start, from)
    const end = Math.min(span.end, to)
    if (start < end || (span.start === span.end && span.start >= from && span.start <= to)) {
      out.push({ ...finding, span: { start: start - from, end: end - from }, text: i })
    }
  }
  if (out.length > 0) return out
  // A span that lies only on a separator: a finding about the texts as a whole.
  return [{ ...withoutSpan(finding), text: null }]
}

/**
 * The texts with every redacted finding replaced by its placeholder; texts without one are
 * returned as they are (the same string), so a caller can tell nothing changed.
 */
export function redactTexts(
  texts: readonly string[],
  verdict: TextsVerdict,
  redactor: Redactor,
): string[] {
  return texts.map((text, i) => {
    const spans = verdict.findings.filter(
      (f): f is PlacedFinding & { span: TextSpan } =>
        f.text === i && f.action === 'redact' && f.span !== undefined,
    )
    return spans.length === 0 ? text : redactor.redact(text, spans)
  })
}

function withoutSpan(finding: CappedFinding): CappedFinding {
  const whole: { -readonly [K in keyof CappedFinding]?: CappedFinding[K] } = { ...finding }
  delete whole.span
  return whole as CappedFinding
}
