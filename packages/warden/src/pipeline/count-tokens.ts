/** Counts tokens with the o200k tokenizer, loaded on first use (it costs ~70 MB). */
let loading: Promise<(text: string) => number> | null = null

function tokenizer(): Promise<(text: string) => number> {
  loading ??= import('gpt-tokenizer').then((m) => (text: string) => m.countTokens(text))
  return loading
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

/** Tokens of a chat prompt, counted as OpenAI counts them (approximately for non-OpenAI models). */
export async function countChatPromptTokens(
  messages: ReadonlyArray<{ readonly role: string; readonly content?: unknown }>,
): Promise<number> {
  const count = await tokenizer()
  return messages.reduce(
    (sum, m) => sum + PER_MESSAGE + count(m.role) + count(textOf(m.content)),
    REPLY_PRIMING,
  )
}

/** Tokens of plain text, or of every string in an array of prompts. */
export async function countTextTokens(input: unknown): Promise<number> {
  const count = await tokenizer()
  if (typeof input === 'string') return count(input)
  if (Array.isArray(input))
    return input.reduce(
      (sum: number, item: unknown) => sum + (typeof item === 'string' ? count(item) : 0),
      0,
    )
  return 0
}
