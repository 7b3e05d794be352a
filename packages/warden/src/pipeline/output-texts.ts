import type { JsonObject } from '../domain/index.js'
import { withTexts, type PromptTexts } from './prompt-texts.js'

/**
 * Where the generated text of an answer lies, per endpoint: in a JSON answer, or in each chunk
 * of a stream, so the output filter can read it and write a redaction or a refusal back.
 */

/** The texts of an answer or a chunk, where each lies, and which text of the answer it extends. */
export interface OutputTexts extends PromptTexts {
  /**
   * One key per text of the answer that grows over a stream: a choice's content (`0`), a tool
   * call's arguments (`0/tool/1`). A key starts with its choice's index and a `/`.
   */
  readonly keys: readonly string[]
}

/** How one endpoint's answers carry generated text. */
export interface OutputTextsOf {
  /** The generated texts of an answer or a chunk (empty ones left out). */
  texts(value: JsonObject): OutputTexts
  /** The choices a chunk finishes (`finish_reason` set): their texts are complete. */
  finished(chunk: JsonObject): readonly number[]
  /**
   * A JSON answer with these choices' text withheld, `finish_reason: "content_filter"`, as
   * OpenAI's own filter answers.
   */
  withheld(body: JsonObject, choices: readonly number[]): JsonObject
  /** The last chunk of a stream stopped by the filter, from the identity of the one before. */
  stop(last: JsonObject, choices: readonly number[]): JsonObject
}

/** The same value with its texts replaced, copied along the changed paths only. */
export const replaceTexts = (value: JsonObject, found: OutputTexts, texts: readonly string[]) =>
  withTexts(value, found, texts)

type Path = Array<string | number>

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function collector() {
  const texts: string[] = []
  const paths: Path[] = []
  const keys: string[] = []
  return {
    add(text: unknown, path: Path, key: string) {
      if (typeof text === 'string' && text.length > 0) {
        texts.push(text)
        paths.push(path)
        keys.push(key)
      }
    },
    done: (): OutputTexts => ({ texts, paths, keys }),
  }
}

const choicesOf = (value: JsonObject): unknown[] =>
  Array.isArray(value.choices) ? (value.choices as unknown[]) : []

const indexOf = (choice: Record<string, unknown>, position: number): number =>
  typeof choice.index === 'number' ? choice.index : position

function finishedChoices(chunk: JsonObject): number[] {
  const out: number[] = []
  choicesOf(chunk).forEach((choice, j) => {
    if (isRecord(choice) && typeof choice.finish_reason === 'string') {
      out.push(indexOf(choice, j))
    }
  })
  return out
}

/** A chat message or delta: its content, its refusal, its tool calls' arguments. */
function addMessage(
  c: ReturnType<typeof collector>,
  message: unknown,
  path: Path,
  choice: number,
): void {
  if (!isRecord(message)) return
  c.add(message.content, [...path, 'content'], `${choice}/`)
  c.add(message.refusal, [...path, 'refusal'], `${choice}/refusal`)
  if (!Array.isArray(message.tool_calls)) return
  message.tool_calls.forEach((call: unknown, k) => {
    if (!isRecord(call) || !isRecord(call.function)) return
    const tool = typeof call.index === 'number' ? call.index : k
    c.add(
      call.function.arguments,
      [...path, 'tool_calls', k, 'function', 'arguments'],
      `${choice}/tool/${tool}`,
    )
  })
}

/** The chunk that ends a stream's choices for the filter, from the last chunk's identity. */
function stopChunk(last: JsonObject, choices: readonly number[], delta: boolean): JsonObject {
  const chunk: JsonObject = {}
  for (const field of ['id', 'object', 'created', 'model', 'system_fingerprint']) {
    if (last[field] !== undefined) chunk[field] = last[field]
  }
  chunk.choices = choices.map((index) =>
    delta
      ? { index, delta: {}, logprobs: null, finish_reason: 'content_filter' }
      : { index, text: '', logprobs: null, finish_reason: 'content_filter' },
  )
  return chunk
}

/** Choices of a JSON answer, the named ones emptied and ended by the filter. */
function withholdChoices(
  body: JsonObject,
  choices: readonly number[],
  empty: (choice: Record<string, unknown>) => Record<string, unknown>,
): JsonObject {
  const stopped = new Set(choices)
  return {
    ...body,
    choices: choicesOf(body).map((choice, j) =>
      isRecord(choice) && stopped.has(indexOf(choice, j))
        ? { ...empty(choice), logprobs: null, finish_reason: 'content_filter' }
        : choice,
    ),
  }
}

export const chatOutput: OutputTextsOf = {
  texts(value) {
    const c = collector()
    choicesOf(value).forEach((choice, j) => {
      if (!isRecord(choice)) return
      const index = indexOf(choice, j)
      addMessage(c, choice.delta, ['choices', j, 'delta'], index)
      addMessage(c, choice.message, ['choices', j, 'message'], index)
    })
    return c.done()
  },
  finished: finishedChoices,
  withheld: (body, choices) =>
    withholdChoices(body, choices, (choice) => ({
      ...choice,
      message: { role: 'assistant', content: null, refusal: null },
    })),
  stop: (last, choices) => stopChunk(last, choices, true),
}

export const completionOutput: OutputTextsOf = {
  texts(value) {
    const c = collector()
    choicesOf(value).forEach((choice, j) => {
      if (isRecord(choice)) c.add(choice.text, ['choices', j, 'text'], `${indexOf(choice, j)}/`)
    })
    return c.done()
  },
  finished: finishedChoices,
  withheld: (body, choices) =>
    withholdChoices(body, choices, (choice) => ({ ...choice, text: '' })),
  stop: (last, choices) => stopChunk(last, choices, false),
}
