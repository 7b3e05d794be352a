import type { JsonObject } from '../domain/index.js'
import type { PromptTexts } from './prompt-texts.js'

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
  /**
   * The last chunk of a stream stopped by the filter, from the identity of the stream's first
   * chunk and of the one before.
   */
  stop(first: JsonObject, last: JsonObject, choices: readonly number[]): JsonObject
  /**
   * Texts a chunk repeats whole that were streamed before in pieces (the Responses API's
   * `*.done` events and its final response): they are replaced by what went out, not read again.
   */
  wholes?(chunk: JsonObject): OutputTexts
}

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
  stop: (_first, last, choices) => stopChunk(last, choices, true),
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
  stop: (_first, last, choices) => stopChunk(last, choices, false),
}

/** The texts of Responses API output items: message parts (`0/1`) and call arguments (`2/args`). */
function addItems(c: ReturnType<typeof collector>, output: unknown, path: Path): void {
  if (!Array.isArray(output)) return
  output.forEach((item: unknown, i) => addItem(c, item, [...path, i], i))
}

function addItem(c: ReturnType<typeof collector>, item: unknown, path: Path, index: number): void {
  if (!isRecord(item)) return
  c.add(item.arguments, [...path, 'arguments'], `${index}/args`)
  if (!Array.isArray(item.content)) return
  item.content.forEach((part: unknown, j) => {
    if (!isRecord(part)) return
    c.add(part.text, [...path, 'content', j, 'text'], `${index}/${j}`)
    c.add(part.refusal, [...path, 'content', j, 'refusal'], `${index}/${j}`)
  })
}

const DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
])

/** The key of the text a Responses event extends: `output/content`, or `output/args`. */
function eventKey(event: JsonObject): string {
  return event.type === 'response.function_call_arguments.delta' ||
    event.type === 'response.function_call_arguments.done'
    ? `${String(event.output_index)}/args`
    : `${String(event.output_index)}/${String(event.content_index)}`
}

export const responsesOutput: OutputTextsOf = {
  texts(value) {
    const c = collector()
    if (value.object === 'response') addItems(c, value.output, ['output'])
    else if (typeof value.type === 'string' && DELTAS.has(value.type)) {
      c.add(value.delta, ['delta'], eventKey(value))
    }
    return c.done()
  },
  finished: (event) =>
    event.type === 'response.output_item.done' && typeof event.output_index === 'number'
      ? [event.output_index]
      : [],
  withheld(body, choices) {
    const stopped = new Set(choices)
    const output = Array.isArray(body.output) ? (body.output as unknown[]) : []
    return {
      ...body,
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: output.map((item, i) =>
        !stopped.has(i) || !isRecord(item)
          ? item
          : item.type === 'function_call'
            ? { ...item, arguments: '', status: 'incomplete' }
            : { ...item, content: [], status: 'incomplete' },
      ),
    }
  },
  stop(first, last) {
    const response = isRecord(first.response) ? first.response : {}
    const sequence = typeof last.sequence_number === 'number' ? last.sequence_number + 1 : 0
    return {
      type: 'response.incomplete',
      sequence_number: sequence,
      response: {
        ...response,
        status: 'incomplete',
        incomplete_details: { reason: 'content_filter' },
        output: [],
      },
    }
  },
  wholes(event) {
    const c = collector()
    switch (event.type) {
      case 'response.output_text.done':
        c.add(event.text, ['text'], eventKey(event))
        break
      case 'response.refusal.done':
        c.add(event.refusal, ['refusal'], eventKey(event))
        break
      case 'response.function_call_arguments.done':
        c.add(event.arguments, ['arguments'], eventKey(event))
        break
      case 'response.content_part.done':
        if (isRecord(event.part)) {
          c.add(event.part.text, ['part', 'text'], eventKey(event))
          c.add(event.part.refusal, ['part', 'refusal'], eventKey(event))
        }
        break
      case 'response.output_item.done':
        if (typeof event.output_index === 'number') {
          addItem(c, event.item, ['item'], event.output_index)
        }
        break
      case 'response.completed':
      case 'response.incomplete':
        if (isRecord(event.response)) addItems(c, event.response.output, ['response', 'output'])
        break
    }
    return c.done()
  },
}
