import type { JsonObject, Usage } from '../domain/index.js'
import { countChatPromptTokens, countTextTokens } from './count-tokens.js'
import type { Exchange } from './exchange.js'
import { tapStream, type Stage } from './stage.js'

function isUsage(x: unknown): x is Usage {
  return typeof x === 'object' && x !== null && typeof (x as Usage).prompt_tokens === 'number'
}

async function countPrompt(x: Exchange): Promise<number> {
  const { request } = x
  if (!request) return 0
  if (request.endpoint === 'chat') return countChatPromptTokens(request.body.messages)
  if (request.endpoint === 'completions') return countTextTokens(request.body.prompt)
  if (request.endpoint === 'embeddings') return countTextTokens(request.body.input)
  return 0
}

/** The generated text of a response or chunk, for counting when the upstream gave no usage. */
function generatedText(body: JsonObject): string {
  const choices = body.choices
  if (!Array.isArray(choices)) return ''
  let text = ''
  for (const choice of choices as Array<{
    text?: unknown
    message?: { content?: unknown }
    delta?: { content?: unknown }
  }>) {
    const value = choice.delta?.content ?? choice.message?.content ?? choice.text
    if (typeof value === 'string') text += value
  }
  return text
}

function clientAskedForUsage(x: Exchange): boolean {
  const body = x.request?.body as
    { stream_options?: { include_usage?: unknown } | null } | null | undefined
  return body?.stream_options?.include_usage === true
}

/**
 * Fills the exchange's token usage: from the upstream's `usage` when it sent one, else counted
 * with a real tokenizer. For streams it watches the chunks go by and hides the usage chunk
 * Warden asked for on the client's behalf when the client did not ask for it.
 */
export function meterTokens(): Stage {
  return async (x, next) => {
    await next()
    const output = x.output
    if (!output) return
    if (output.kind === 'json') {
      const usage = output.body.usage
      if (isUsage(usage)) {
        x.usage = {
          promptTokens: usage.prompt_tokens,
          completionTokens: usage.completion_tokens ?? 0,
          source: 'upstream',
        }
      } else if (x.endpoint !== 'models') {
        const [prompt, completion] = await Promise.all([
          countPrompt(x),
          countTextTokens(generatedText(output.body)),
        ])
        x.usage = { promptTokens: prompt, completionTokens: completion, source: 'counted' }
      }
      return
    }
    const forward = clientAskedForUsage(x)
    const parts: string[] = []
    let usage: Usage | null = null
    x.output = {
      kind: 'stream',
      chunks: tapStream(output.chunks, {
        chunk: (chunk) => {
          if (isUsage(chunk.usage)) usage = chunk.usage
          else parts.push(generatedText(chunk))
          const usageOnly =
            Array.isArray(chunk.choices) && chunk.choices.length === 0 && isUsage(chunk.usage)
          return usageOnly && !forward ? undefined : chunk
        },
        // Also when the client leaves mid-stream: what was generated so far is still counted.
        end: async () => {
          if (usage) {
            x.usage = {
              promptTokens: usage.prompt_tokens,
              completionTokens: usage.completion_tokens ?? 0,
              source: 'upstream',
            }
            return
          }
          const [prompt, completion] = await Promise.all([
            countPrompt(x),
            countTextTokens(parts.join('')),
          ])
          x.usage = { promptTokens: prompt, completionTokens: completion, source: 'counted' }
        },
      }),
    }
  }
}
