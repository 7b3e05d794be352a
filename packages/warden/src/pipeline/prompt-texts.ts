/**
 * Where the text of a request body lies, per endpoint, so the content filter can read it and
 * a redaction can write it back without touching anything else of the body.
 */

/** Keys from the body to one string in it. */
type Path = ReadonlyArray<string | number>

/** The texts of a body, in order, and where each one is. */
export interface PromptTexts {
  readonly texts: readonly string[]
  readonly paths: readonly Path[]
}

/** Finds the texts of one endpoint's request bodies. */
export type PromptTextsOf<Body> = (body: Body) => PromptTexts

function collector() {
  const texts: string[] = []
  const paths: Path[] = []
  return {
    add(text: unknown, path: Path) {
      if (typeof text === 'string' && text.length > 0) {
        texts.push(text)
        paths.push(path)
      }
    },
    done: (): PromptTexts => ({ texts, paths }),
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A message's `content`: a string, or text parts (`{type: 'text'|'input_text'…, text}`). */
function addContent(c: ReturnType<typeof collector>, content: unknown, path: Path): void {
  if (typeof content === 'string') return c.add(content, path)
  if (!Array.isArray(content)) return
  content.forEach((part: unknown, j) => {
    if (isRecord(part) && typeof part.text === 'string') c.add(part.text, [...path, j, 'text'])
  })
}

/** A string or an array of strings (token arrays are not text, and are left alone). */
function addStrings(c: ReturnType<typeof collector>, value: unknown, path: Path): void {
  if (typeof value === 'string') return c.add(value, path)
  if (Array.isArray(value)) value.forEach((item: unknown, i) => c.add(item, [...path, i]))
}

export const chatTexts: PromptTextsOf<{ readonly messages: readonly unknown[] }> = (body) => {
  const c = collector()
  body.messages.forEach((message, i) => {
    if (isRecord(message)) addContent(c, message.content, ['messages', i, 'content'])
  })
  return c.done()
}

export const completionTexts: PromptTextsOf<{ readonly prompt?: unknown }> = (body) => {
  const c = collector()
  addStrings(c, body.prompt, ['prompt'])
  return c.done()
}

export const embeddingTexts: PromptTextsOf<{ readonly input?: unknown }> = (body) => {
  const c = collector()
  addStrings(c, body.input, ['input'])
  return c.done()
}

export const responsesTexts: PromptTextsOf<{
  readonly instructions?: string | null
  readonly input?: unknown
}> = (body) => {
  const c = collector()
  c.add(body.instructions, ['instructions'])
  if (typeof body.input === 'string') c.add(body.input, ['input'])
  else if (Array.isArray(body.input)) {
    body.input.forEach((item: unknown, i) => {
      if (!isRecord(item)) return
      addContent(c, item.content, ['input', i, 'content'])
      addContent(c, item.output, ['input', i, 'output'])
      c.add(item.arguments, ['input', i, 'arguments'])
    })
  }
  return c.done()
}

/**
 * The body with the text at each path replaced by the one given: a copy along the paths only,
 * so the request the client sent is never changed in place.
 */
export function withTexts<Body>(body: Body, found: PromptTexts, texts: readonly string[]): Body {
  let out: unknown = body
  found.paths.forEach((path, i) => {
    const text = texts[i]
    if (text !== undefined && text !== found.texts[i]) out = setAt(out, path, 0, text)
  })
  return out as Body
}

function setAt(node: unknown, path: Path, depth: number, value: string): unknown {
  if (depth === path.length) return value
  const key = path[depth] as string | number
  if (Array.isArray(node)) {
    const copy = [...(node as unknown[])]
    copy[key as number] = setAt(copy[key as number], path, depth + 1, value)
    return copy
  }
  const record = node as Record<string, unknown>
  return { ...record, [key]: setAt(record[key], path, depth + 1, value) }
}
