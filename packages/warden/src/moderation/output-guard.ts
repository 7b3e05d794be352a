import type { ContentAction } from '../policy/index.js'
import type { TextSpan } from './classifier.js'
import type { ClassifierFailure } from './classifier-set.js'
import { strongerAction } from './content-decision.js'
import type { PlacedFinding, TextsVerdict } from './content-filter.js'
import { withoutOverlaps } from './span-overlaps.js'

/** How a streamed answer is checked before it goes out; `moderation.stream` in the config. */
export interface OutputWindowOptions {
  /**
   * Characters kept back behind the checked text: a value still arriving (a phone number, an
   * address split over several chunks) is read whole before any of it is sent.
   */
  readonly holdBackChars: number
  /** New characters gathered before the next check. */
  readonly checkEveryChars: number
  /** Characters already checked that each check reads again, so a phrase across the seam is seen. */
  readonly contextChars: number
  /** A run without white space is held at most this long before it is sent, checked. */
  readonly maxHoldChars: number
}

/** Judges one window of an answer's text, as the content filter does a request's texts. */
export type CheckWindow = (text: string) => Promise<TextsVerdict>

/** A redaction in one text of the answer, offsets from that text's start. */
export interface OutputRedaction extends TextSpan {
  readonly finding: PlacedFinding
  /** The redacted value, as it stood (for a consistent placeholder). */
  readonly value: string
}

interface TextState {
  /** The text from `base` on; what lies before it has gone out and left the context. */
  text: string
  base: number
  /** All of the text up to here has been checked. */
  checked: number
  /** All of the text up to here may go out. */
  released: number
  /** Which text of the answer it is, for the findings' `text` index. */
  readonly index: number
  redactions: OutputRedaction[]
}

/**
 * The hold-back window of one streamed answer: its texts (one per choice, say) grow chunk by
 * chunk; a text is checked whenever enough has arrived, reading some of what came before, and
 * only checked text that no value still arriving could reach is released. Nothing that was
 * not checked is ever releasable. What it found, across every check, is one verdict.
 */
export class OutputGuard {
  private readonly texts = new Map<string, TextState>()
  private readonly found = new Map<string, PlacedFinding>()
  private readonly failures = new Map<string, ClassifierFailure>()
  private action: ContentAction = 'allow'
  /** The verdict as last built; null once a check has changed it. */
  private built: TextsVerdict | null = null
  /** The finding or failure that blocked the answer, once one did. */
  blockedBy: PlacedFinding | ClassifierFailure | null = null

  constructor(
    private readonly check: CheckWindow,
    private readonly options: OutputWindowOptions,
  ) {}

  /** Adds text to one of the answer's texts; returns where it lies in that text. */
  append(key: string, text: string): TextSpan {
    let state = this.texts.get(key)
    if (state === undefined) {
      state = {
        text: '',
        base: 0,
        checked: 0,
        released: 0,
        index: this.texts.size,
        redactions: [],
      }
      this.texts.set(key, state)
    }
    const start = state.base + state.text.length
    state.text += text
    return { start, end: start + text.length }
  }

  /** True when enough unchecked text has gathered in `key` for a check. */
  due(key: string): boolean {
    const state = this.texts.get(key)
    return (
      state !== undefined &&
      state.base + state.text.length - state.checked >= this.options.checkEveryChars
    )
  }

  /** The keys of the texts seen so far. */
  keys(): IterableIterator<string> {
    return this.texts.keys()
  }

  /**
   * Checks what is new in `key` (with context), then releases what may go out: everything when
   * the text is `final`, else up to the hold-back, never inside a value being redacted.
   */
  async checkText(key: string, final: boolean): Promise<void> {
    const state = this.texts.get(key)
    if (state === undefined || this.blockedBy !== null) return
    const end = state.base + state.text.length
    if (end > state.checked) {
      const from = Math.max(state.base, state.released - this.options.contextChars)
      const verdict = await this.check(state.text.slice(from - state.base))
      this.take(state, verdict, from)
      state.checked = end
    }
    if (this.blockedBy !== null) return
    state.released = Math.max(state.released, this.releasable(state, final))
    this.forget(state)
  }

  /** How far `key` may go out: its end once final, else behind the hold-back. */
  released(key: string): number {
    return this.texts.get(key)?.released ?? 0
  }

  /** The redactions that touch `[start, end)` of `key`, by start. */
  redactionsIn(key: string, start: number, end: number): readonly OutputRedaction[] {
    const state = this.texts.get(key)
    if (state === undefined) return []
    return state.redactions.filter((r) => r.start < end && r.end > start)
  }

  /** Everything found in the answer so far, as the content filter's verdict. */
  verdict(): TextsVerdict {
    // Read by every end-of-request handler: built once per change, not once per read.
    this.built ??= {
      action: this.action,
      findings: [...this.found.values()],
      failures: [...this.failures.values()],
      blockedBy: this.blockedBy,
      truncated: false,
    }
    return this.built
  }

  /** Folds one window's verdict in: findings move to the text's offsets, once each. */
  private take(state: TextState, verdict: TextsVerdict, from: number): void {
    this.built = null
    for (const failure of verdict.failures) {
      this.failures.set(`${failure.classifier}\u0000${failure.reason}`, failure)
    }
    this.action = strongerAction(this.action, verdict.action)
    const placed = (f: PlacedFinding): PlacedFinding => {
      const span = f.span && { start: f.span.start + from, end: f.span.end + from }
      return { ...f, ...(span ? { span } : {}), text: state.index }
    }
    for (const f of verdict.findings) {
      const finding = placed(f)
      const span = finding.span
      const id = [f.classifier, f.category, f.label ?? '', span?.start ?? '', span?.end ?? '']
      const key = `${state.index}\u0000${id.join('\u0000')}`
      const before = this.found.get(key)
      if (before === undefined || before.score < finding.score) this.found.set(key, finding)
      if (finding.action === 'redact' && span !== undefined) this.redact(state, finding, span)
    }
    if (verdict.action === 'block' && this.blockedBy === null) {
      const by = verdict.blockedBy
      this.blockedBy = by !== null && 'category' in by ? placed(by as PlacedFinding) : by
    }
  }

  private redact(state: TextState, finding: PlacedFinding, span: TextSpan): void {
    const value = state.text.slice(span.start - state.base, span.end - state.base)
    const all = [
      ...state.redactions.map((r) => ({ ...r, score: r.end - r.start })),
      { ...span, finding, value, score: span.end - span.start },
    ]
    state.redactions = withoutOverlaps(all).map(({ start, end, finding: f, value: v }) => ({
      start,
      end,
      finding: f,
      value: v,
    }))
  }

  /**
   * The end of what may go out of a checked text: behind the hold-back, moved back to white
   * space so that no word (a key, an address) is cut in two, unless a run has been held for
   * `maxHoldChars`; and never inside a redaction, whose value must go out as one placeholder.
   */
  private releasable(state: TextState, final: boolean): number {
    if (final) return state.checked
    let limit = state.checked - this.options.holdBackChars
    if (limit <= state.released) return state.released
    const slice = state.text.slice(state.released - state.base, limit - state.base)
    const lastSpace = Math.max(
      slice.lastIndexOf(' '),
      slice.lastIndexOf('\n'),
      slice.lastIndexOf('\t'),
    )
    if (lastSpace >= 0) limit = state.released + lastSpace + 1
    else if (limit - state.released < this.options.maxHoldChars) return state.released
    for (const r of state.redactions) {
      if (r.start < limit && r.end > limit) limit = Math.max(state.released, r.start)
    }
    return limit
  }

  /** Drops text that has gone out and that no later check reads as context. */
  private forget(state: TextState): void {
    const keep = Math.min(
      state.released - this.options.contextChars,
      ...state.redactions.filter((r) => r.end > state.released).map((r) => r.start),
    )
    if (keep - state.base > 4096) {
      state.text = state.text.slice(keep - state.base)
      state.base = keep
      state.redactions = state.redactions.filter((r) => r.end > keep)
    }
  }
}
