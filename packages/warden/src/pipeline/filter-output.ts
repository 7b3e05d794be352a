import type { JsonObject } from '../domain/index.js'
import {
  OutputGuard,
  redactTexts,
  type OutputWindowOptions,
  type Redactor,
  type TextsVerdict,
} from '../moderation/index.js'
import type { Exchange } from './exchange.js'
import { refusal, type FilterDeps } from './filter-input.js'
import type { OutputTexts, OutputTextsOf } from './output-texts.js'
import { withTexts } from './prompt-texts.js'
import type { Stage } from './stage.js'
import { transformStream, type StreamStep, type StreamTransform } from './transform-stream.js'

/** What the output filter needs beyond the input filter's deps. */
export interface OutputFilterDeps extends FilterDeps {
  readonly window: OutputWindowOptions
}

/**
 * Judges the model's answer before the client sees any of it. A JSON answer is judged whole: a
 * blocked choice is withheld (`finish_reason: "content_filter"`), a redaction is written into
 * it. A stream is judged as it streams, through the hold-back window of `OutputGuard`: a chunk
 * goes out only once all of its text has been checked, and on a block the stream ends with
 * `finish_reason: "content_filter"` and an error event, and the upstream call is closed.
 * Placed outside `meterTokens`, which still counts everything the upstream generated.
 */
export function filterOutput<Body>(deps: OutputFilterDeps, outputs: OutputTextsOf): Stage<Body> {
  return async (x, next) => {
    await next()
    const output = x.output
    if (output === undefined || x.principal === undefined) return
    const tier = deps.policy().tier(x.principal.tier).id
    const check = (texts: readonly string[]) =>
      deps.filter.check(texts, { direction: 'output', tier, signal: x.signal })
    if (output.kind === 'json') {
      x.output = { kind: 'json', body: await filterAnswer(x, deps, outputs, output.body, check) }
      return
    }
    const guard = new OutputGuard((text) => check([text]), deps.window)
    /** Each text of the answer as the upstream wrote it, for retention if the answer is flagged. */
    const written = new Map<string, string>()
    x.content.push({
      direction: 'output',
      get texts(): readonly string[] {
        return [...guard.keys()].map((key) => written.get(key) ?? '')
      },
      get verdict(): TextsVerdict {
        return guard.verdict()
      },
    })
    x.output = {
      ...output,
      chunks: transformStream(output.chunks, streamFilter(x, deps, outputs, guard, written)),
    }
  }
}

/** A JSON answer, judged whole: its texts are the choices' texts. */
async function filterAnswer(
  x: Exchange,
  deps: OutputFilterDeps,
  outputs: OutputTextsOf,
  body: JsonObject,
  check: (texts: readonly string[]) => Promise<TextsVerdict>,
): Promise<JsonObject> {
  const found = outputs.texts(body)
  if (found.texts.length === 0) return body
  const verdict = await check(found.texts)
  x.content.push({ direction: 'output', texts: found.texts, verdict })
  if (verdict.action === 'block') {
    const whole = verdict.findings.some((f) => f.action === 'block' && f.text === null)
    const blocked = verdict.findings.flatMap((f) =>
      f.action === 'block' && f.text !== null ? [choiceOf(found.keys[f.text] as string)] : [],
    )
    // A failure that closed, or a finding about the whole answer, stops every choice.
    const all = whole || blocked.length === 0
    const choices = all ? found.keys.map(choiceOf) : blocked
    return outputs.withheld(body, [...new Set(choices)])
  }
  if (verdict.action !== 'redact') return body
  x.redactor ??= deps.createRedactor()
  return withTexts(body, found, redactTexts(found.texts, verdict, x.redactor))
}

/** The most of one text of a streamed answer kept for retention (its findings still count). */
const MAX_WRITTEN = 1_000_000

const choiceOf = (key: string): number => Number(key.slice(0, key.indexOf('/')))

interface HeldChunk {
  readonly chunk: JsonObject
  readonly found: OutputTexts
  /** Where each of its texts lies in the answer's text of its key. */
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }>
}

/** The stream side: hold chunks until their text is checked, then send them, redacted. */
function streamFilter(
  x: Exchange,
  deps: OutputFilterDeps,
  outputs: OutputTextsOf,
  guard: OutputGuard,
  written: Map<string, string>,
): StreamTransform<JsonObject> {
  const held: HeldChunk[] = []
  let first: JsonObject | null = null
  let last: JsonObject | null = null
  /** What went out of each text, redacted: what a chunk that repeats a text whole must say. */
  const sent = new Map<string, string>()
  const choices = new Set<number>()

  /** Sends the chunks, oldest first, whose every text is released. */
  const release = (): JsonObject[] => {
    const out: JsonObject[] = []
    while (held.length > 0) {
      const head = held[0] as HeldChunk
      const ready = head.found.keys.every(
        (key, i) => (head.spans[i]?.end ?? 0) <= guard.released(key),
      )
      if (!ready) break
      held.shift()
      out.push(redacted(head))
    }
    return out
  }

  const redacted = (held: HeldChunk): JsonObject => {
    let changed = false
    const texts = held.found.texts.map((text, i) => {
      const key = held.found.keys[i] as string
      const span = held.spans[i] as { start: number; end: number }
      const redactions = guard.redactionsIn(key, span.start, span.end)
      let out = text
      if (redactions.length > 0) {
        changed = true
        x.redactor ??= deps.createRedactor()
        out = rewrite(text, span.start, redactions, x.redactor)
      }
      // Kept only where a later chunk repeats the text whole (the Responses API).
      if (outputs.wholes !== undefined) sent.set(key, (sent.get(key) ?? '') + out)
      return out
    })
    const chunk = changed ? withoutLogprobs(withTexts(held.chunk, held.found, texts)) : held.chunk
    return outputs.wholes === undefined ? chunk : asSent(chunk, outputs.wholes(chunk))
  }

  /** A chunk's whole texts as they went out; the same chunk when nothing was redacted. */
  const asSent = (chunk: JsonObject, wholes: OutputTexts): JsonObject => {
    if (wholes.texts.length === 0) return chunk
    const texts = wholes.texts.map((_, i) => sent.get(wholes.keys[i] as string) ?? '')
    return texts.every((text, i) => text === wholes.texts[i])
      ? chunk
      : withTexts(chunk, wholes, texts)
  }

  const stopped = (): StreamStep<JsonObject> => {
    const stop =
      first === null || last === null
        ? []
        : [
            outputs.stop(
              first,
              last,
              [...choices].sort((a, b) => a - b),
            ),
          ]
    return { last: stop, error: refusal(guard.verdict(), deps.policy(), 'output') }
  }

  const finish = async (finished: Iterable<number>): Promise<void> => {
    const ended = new Set(finished)
    for (const key of [...guard.keys()]) {
      if (ended.has(choiceOf(key))) await guard.checkText(key, true)
    }
  }

  return {
    async chunk(chunk) {
      first ??= chunk
      last = chunk
      const found = outputs.texts(chunk)
      const finished = outputs.finished(chunk)
      // Nothing held and nothing to read: it goes on as it came (the usage chunk, the role).
      if (held.length === 0 && found.texts.length === 0 && finished.length === 0) {
        return [outputs.wholes === undefined ? chunk : asSent(chunk, outputs.wholes(chunk))]
      }
      const spans = found.texts.map((text, i) => {
        const key = found.keys[i] as string
        const before = written.get(key) ?? ''
        if (before.length < MAX_WRITTEN) written.set(key, before + text)
        return guard.append(key, text)
      })
      for (const key of found.keys) choices.add(choiceOf(key))
      held.push({ chunk, found, spans })
      for (const key of new Set(found.keys)) {
        if (guard.due(key)) await guard.checkText(key, false)
      }
      await finish(finished)
      return guard.blockedBy === null ? release() : stopped()
    },
    async end() {
      await finish(choices)
      return guard.blockedBy === null ? release() : stopped()
    },
    // The upstream broke: what it did send is checked whole and goes out before the error,
    // unless the client has gone (the upstream call was cut because of that).
    async fail() {
      if (x.signal.aborted) return []
      await finish(choices)
      return guard.blockedBy === null ? release() : stopped()
    },
  }
}

/**
 * One chunk's text with the redactions that touch it replaced: a value's placeholder goes
 * where the value starts, and the rest of a value split across chunks is dropped.
 */
function rewrite(
  text: string,
  start: number,
  redactions: ReturnType<OutputGuard['redactionsIn']>,
  redactor: Redactor,
): string {
  let out = ''
  let at = start
  const end = start + text.length
  for (const r of redactions) {
    if (r.start > at) out += text.slice(at - start, Math.min(r.start, end) - start)
    if (r.start >= start) out += redactor.placeholder(r.finding, r.value)
    at = Math.max(at, Math.min(r.end, end))
  }
  return out + text.slice(at - start)
}

/** Token log probabilities would give a redacted value away: a changed chunk goes without. */
function withoutLogprobs(chunk: JsonObject): JsonObject {
  if (!Array.isArray(chunk.choices)) return chunk
  return {
    ...chunk,
    choices: (chunk.choices as unknown[]).map((choice) =>
      typeof choice === 'object' && choice !== null ? { ...choice, logprobs: null } : choice,
    ),
  }
}
