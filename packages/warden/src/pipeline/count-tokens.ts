/** How a model's prompt is counted: OpenAI's two current encodings, or an estimate. */
export type TokenizerFamily = 'o200k' | 'cl100k' | 'estimate'

type Count = (text: string) => number

// The tokenizers load on first use (each costs tens of MB).
const loading: Partial<Record<TokenizerFamily, Promise<Count>>> = {}

/**
 * For models of no known family (Llama, Mistral, a house model…): a token per three
 * characters. Their tokenizers give fewer for English text, so a reservation errs high; it is
 * settled against the upstream's reported usage once the answer is in.
 */
const estimate: Count = (text) => Math.ceil(text.length / 3)

function tokenizer(family: TokenizerFamily): Promise<Count> {
  if (family === 'estimate') return Promise.resolve(estimate)
  loading[family] ??=
    family === 'o200k'
      ? import('gpt-tokenizer/encoding/o200k_base').then(
          (m) => (text: string) => m.countTokens(text),
        )
      : import('gpt-tokenizer/encoding/cl100k_base').then(
          (m) => (text: string) => m.countTokens(text),
        )
  return loading[family]
}

const O200K = /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)/
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/

/** The tokenizer family of a model id, as the upstream knows it. */
export function tokenizerFamily(model: string): TokenizerFamily {
  if (O200K.test(model)) return 'o200k'
  return CL100K.test(model) ? 'cl100k' : 'estimate'
}

// OpenAI's published accounting: a few tokens of framing per message and for the reply.
const PER_MESSAGE = 3
const REPLY_PRIMING = 3

/** The text of a message's content: a string, or the text parts of a parts array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('')
  }
  return ''
}

/** Tokens of a chat prompt, counted as OpenAI counts them, with the model's tokenizer. */
export async function countChatPromptTokens(
  messages: ReadonlyArray<{ readonly role: string; readonly content?: unknown }>,
  family: TokenizerFamily = 'o200k',
): Promise<number> {
  const count = await tokenizer(family)
  return messages.reduce(
    (sum, m) => sum + PER_MESSAGE + count(m.role) + count(textOf(m.content)),
    REPLY_PRIMING,
  )
}

/** Tokens of plain text, or of every string in an array of prompts (token arrays count as they are). */
export async function countTextTokens(
  input: unknown,
  family: TokenizerFamily = 'o200k',
): Promise<number> {
  const count = await tokenizer(family)
  if (typeof input === 'string') return count(input)
  if (Array.isArray(input))
    return input.reduce(
      (sum: number, item: unknown) =>
        sum +
        (typeof item === 'string'
          ? count(item)
          : typeof item === 'number'
            ? 1
            : Array.isArray(item)
              ? item.length
              : 0),
      0,
    )
  return 0
}
