import type { ChatCompletionChunk } from '../../domain/index.js'
import type {
  ItemStatus,
  OutputItem,
  OutputRefusal,
  OutputText,
  ResponseContext,
  ResponseObject,
  ResponseStreamEvent,
  ResponseUsage,
} from './responses-wire.js'
import {
  isObject,
  itemStatus,
  outputText,
  pendingResponse,
  readFinishReason,
  settledResponse,
  toResponseUsage,
  type FinishReason,
} from './translate-response.js'

/**
 * The Responses API stream for a chat completions stream: `response.created`,
 * `response.in_progress`, each output item opened, filled by deltas and closed, then
 * `response.completed` (or `response.incomplete`) with the whole Response and its usage.
 * Items stay open until the upstream ends, then close in output order. If the source throws,
 * nothing more is emitted and the error propagates; ending the iteration early closes the source.
 */
export async function* toResponseEvents(
  chunks: AsyncIterable<ChatCompletionChunk>,
  context: ResponseContext,
): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  const state = new StreamState(context)
  yield { type: 'response.created', sequence_number: state.next(), response: state.pending }
  yield { type: 'response.in_progress', sequence_number: state.next(), response: state.pending }
  for await (const chunk of chunks) {
    const usage = toResponseUsage(chunk.usage)
    if (usage !== null) state.usage = usage
    // The Responses API has one output; `n` > 1 is not asked for, so only choice 0 counts.
    const choice = chunk.choices[0]
    if (choice === undefined) continue
    state.finish = readFinishReason(choice.finish_reason) ?? state.finish
    const delta = choice.delta
    if (!isObject(delta)) continue
    for (const kind of PART_KINDS) {
      const text = delta[PART_FIELD[kind]]
      if (typeof text !== 'string' || text === '') continue
      if (!state.isWriting(kind)) yield* state.openPart(kind)
      yield state.appendText(text)
    }
    if (!Array.isArray(delta.tool_calls)) continue
    for (const call of delta.tool_calls) {
      if (!isObject(call)) continue
      const index = typeof call.index === 'number' ? call.index : 0
      const fn = isObject(call.function) ? call.function : {}
      // OpenAI sends a call's id and name in its first delta only.
      if (!state.hasCall(index)) yield state.openCall(index, call.id, fn.name)
      if (typeof fn.arguments === 'string' && fn.arguments !== '') {
        yield state.appendArguments(index, fn.arguments)
      }
    }
  }
  // The Responses API always answers with at least one item, if only an empty message.
  if (state.items.length === 0) yield* state.openPart('output_text')
  for (const item of state.items) yield* state.close(item)
  const response = state.settled()
  yield {
    type: response.status === 'completed' ? 'response.completed' : 'response.incomplete',
    sequence_number: state.next(),
    response,
  }
}

const PART_KINDS = ['output_text', 'refusal'] as const
type PartKind = (typeof PART_KINDS)[number]
/** Where a chat delta carries each kind of part. */
const PART_FIELD = { output_text: 'content', refusal: 'refusal' } as const

interface OpenPart {
  readonly kind: PartKind
  text: string
}

interface OpenMessage {
  readonly type: 'message'
  readonly id: string
  readonly outputIndex: number
  readonly parts: OpenPart[]
}

interface OpenCall {
  readonly type: 'function_call'
  readonly id: string
  readonly outputIndex: number
  readonly callId: string
  readonly name: string
  arguments: string
}

/** What the stream has produced so far; each method yields the events one delta causes. */
class StreamState {
  readonly id: string
  readonly pending: ResponseObject
  readonly items: Array<OpenMessage | OpenCall> = []
  usage: ResponseUsage | null = null
  finish: FinishReason = null
  private sequence = 0
  private message: OpenMessage | null = null
  /** Tool calls by their chat `index`, which is not their output index. */
  private readonly calls = new Map<number, OpenCall>()

  constructor(private readonly context: ResponseContext) {
    this.id = context.newId('resp')
    this.pending = pendingResponse(this.id, context)
  }

  next(): number {
    return this.sequence++
  }

  /** True while the message's last part is of this kind, so a delta extends it. */
  isWriting(kind: PartKind): boolean {
    return this.message?.parts.at(-1)?.kind === kind
  }

  /** Opens a text or refusal part, and the message item first if there is none yet. */
  *openPart(kind: PartKind): Generator<ResponseStreamEvent> {
    let message = this.message
    if (message === null) {
      const id = this.context.newId('msg')
      message = { type: 'message', id, outputIndex: this.items.length, parts: [] }
      this.message = message
      this.items.push(message)
      yield this.itemEvent('response.output_item.added', message, 'in_progress')
    }
    const part: OpenPart = { kind, text: '' }
    yield {
      type: 'response.content_part.added',
      sequence_number: this.next(),
      item_id: message.id,
      output_index: message.outputIndex,
      content_index: message.parts.push(part) - 1,
      part: toPart(part),
    }
  }

  /** Extends the part `openPart` opened last. */
  appendText(delta: string): ResponseStreamEvent {
    const message = this.message
    const part = message?.parts.at(-1)
    if (message == null || part === undefined) throw new Error('appendText before openPart')
    part.text += delta
    const sequence_number = this.next()
    const item_id = message.id
    const output_index = message.outputIndex
    const content_index = message.parts.length - 1
    return part.kind === 'output_text'
      ? {
          type: 'response.output_text.delta',
          sequence_number,
          item_id,
          output_index,
          content_index,
          delta,
          logprobs: [],
        }
      : {
          type: 'response.refusal.delta',
          sequence_number,
          item_id,
          output_index,
          content_index,
          delta,
        }
  }

  /** True once the tool call with this chat `index` has been opened. */
  hasCall(index: number): boolean {
    return this.calls.has(index)
  }

  /** Opens a function_call item for a tool call the upstream just started. */
  openCall(index: number, callId: unknown, name: unknown): ResponseStreamEvent {
    const call: OpenCall = {
      type: 'function_call',
      id: this.context.newId('fc'),
      outputIndex: this.items.length,
      callId: typeof callId === 'string' && callId !== '' ? callId : this.context.newId('call'),
      name: typeof name === 'string' ? name : '',
      arguments: '',
    }
    this.calls.set(index, call)
    this.items.push(call)
    return this.itemEvent('response.output_item.added', call, 'in_progress')
  }

  /** Extends a tool call's arguments. */
  appendArguments(index: number, delta: string): ResponseStreamEvent {
    const call = this.calls.get(index)
    if (call === undefined) throw new Error('appendArguments before openCall')
    call.arguments += delta
    return {
      type: 'response.function_call_arguments.delta',
      sequence_number: this.next(),
      item_id: call.id,
      output_index: call.outputIndex,
      delta,
    }
  }

  *close(item: OpenMessage | OpenCall): Generator<ResponseStreamEvent> {
    if (item.type === 'function_call') {
      yield {
        type: 'response.function_call_arguments.done',
        sequence_number: this.next(),
        item_id: item.id,
        output_index: item.outputIndex,
        name: item.name,
        arguments: item.arguments,
      }
      yield this.itemEvent('response.output_item.done', item, itemStatus(this.finish))
      return
    }
    for (const [index, part] of item.parts.entries()) {
      const where = { item_id: item.id, output_index: item.outputIndex, content_index: index }
      yield part.kind === 'output_text'
        ? {
            type: 'response.output_text.done',
            sequence_number: this.next(),
            ...where,
            text: part.text,
            logprobs: [],
          }
        : {
            type: 'response.refusal.done',
            sequence_number: this.next(),
            ...where,
            refusal: part.text,
          }
      yield {
        type: 'response.content_part.done',
        sequence_number: this.next(),
        ...where,
        part: toPart(part),
      }
    }
    yield this.itemEvent('response.output_item.done', item, itemStatus(this.finish))
  }

  settled(): ResponseObject {
    const status = itemStatus(this.finish)
    const output = this.items.map((item) => toItem(item, status))
    const parts = { id: this.id, context: this.context, output, finish: this.finish }
    return settledResponse(parts, this.usage)
  }

  private itemEvent(
    type: 'response.output_item.added' | 'response.output_item.done',
    open: OpenMessage | OpenCall,
    status: ItemStatus,
  ): ResponseStreamEvent {
    const item = toItem(open, status)
    return { type, sequence_number: this.next(), output_index: open.outputIndex, item }
  }
}

/** The wire form of an item, as it stands now. */
function toItem(item: OpenMessage | OpenCall, status: ItemStatus): OutputItem {
  if (item.type === 'function_call') {
    return {
      type: 'function_call',
      id: item.id,
      call_id: item.callId,
      name: item.name,
      arguments: item.arguments,
      status,
    }
  }
  return {
    type: 'message',
    id: item.id,
    role: 'assistant',
    status,
    content: item.parts.map(toPart),
  }
}

function toPart(part: OpenPart): OutputText | OutputRefusal {
  return part.kind === 'output_text'
    ? outputText(part.text)
    : { type: 'refusal', refusal: part.text }
}
