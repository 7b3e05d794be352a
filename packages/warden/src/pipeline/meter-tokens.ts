import type { JsonObject } from '../domain/index.js'
import type { TokenizerFamily } from './count-tokens.js'
import type { Exchange } from './exchange.js'
import { tapStream, type Stage } from './stage.js'

/** Token counts an upstream reported, in Warden's terms. */
export interface ReportedTokens {
  readonly promptTokens: number
  readonly completionTokens: number
}

/** How one endpoint's answers carry usage and text; see `token-meters.ts`. */
export interface TokenMeter<Body> {
  /** Counts the prompt's tokens (for the limits, and for an upstream that reports no usage). */
  countPrompt(body: Body, family?: TokenizerFamily): Promise<number>
  /** The completion tokens the request allows itself (`max_tokens` and kin, times `n`), if set. */
  maxTokens(body: Body): number | null
  /** Counts generated text with the same tokenizer. */
  countText(text: string): Promise<number>
  /** The usage an answer or a stream chunk reports, if it holds one. */
  reported(value: JsonObject): ReportedTokens | null
  /** The generated text of an answer or a stream chunk. */
  generated(value: JsonObject): string
  /** True for a chunk that only carries the usage Warden asked for on the client's behalf. */
  hides?(chunk: JsonObject, body: Body): boolean
}

/** Usage as the upstream reported it; written out, not spread (measured: a spread here cost ~3 µs). */
function fromUpstream(reported: ReportedTokens): Exchange['usage'] {
  return {
    promptTokens: reported.promptTokens,
    completionTokens: reported.completionTokens,
    source: 'upstream',
  }
}

async function counted<Body>(
  meter: TokenMeter<Body>,
  body: Body,
  text: string,
): Promise<Exchange['usage']> {
  const [promptTokens, completionTokens] = await Promise.all([
    meter.countPrompt(body, 'o200k'),
    meter.countText(text),
  ])
  return { promptTokens, completionTokens, source: 'counted' }
}

/**
 * Fills the exchange's token usage: from the upstream's report when it sent one, else counted
 * with a real tokenizer. For streams it watches the chunks go by (what was generated before a
 * client left still counts) and hides the usage chunk the client did not ask for.
 */
export function meterTokens<Body>(meter: TokenMeter<Body>): Stage<Body> {
  return async (x, next) => {
    await next()
    const output = x.output
    const body = x.body
    if (!output || body === undefined) return
    if (output.kind === 'json') {
      const reported = meter.reported(output.body)
      x.usage = reported
        ? fromUpstream(reported)
        : await counted(meter, body, meter.generated(output.body))
      return
    }
    const parts: string[] = []
    let reported: ReportedTokens | null = null
    x.output = {
      ...output,
      chunks: tapStream(output.chunks, {
        chunk: (chunk) => {
          const usage = meter.reported(chunk)
          if (usage) reported = usage
          else parts.push(meter.generated(chunk))
          return usage && meter.hides?.(chunk, body) ? undefined : chunk
        },
        end: async () => {
          x.usage = reported ? fromUpstream(reported) : await counted(meter, body, parts.join(''))
        },
      }),
    }
  }
}
