import { WardenError } from '../domain/index.js'

/** Deepest nesting of objects and arrays a request body may have; OpenAI bodies need a few dozen. */
export const MAX_JSON_DEPTH = 128

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * True when the JSON text nests objects and arrays deeper than `limit`. A scan of the text
 * rather than of the parsed value: a parser or validator that recurses would overflow the stack
 * on 10,000 levels long before a check of the result could run.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i += 1
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1
      if (depth > limit) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1
    }
  }
  return false
}

/** True when a parsed value holds a key that would reach an object's prototype if merged. */
function holdsPrototypeKey(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return false
  if (Array.isArray(value)) return value.some((item) => holdsPrototypeKey(item, depth + 1))
  const record = value as Record<string, unknown>
  if (Object.prototype.hasOwnProperty.call(record, '__proto__')) return true
  const ctor = Object.prototype.hasOwnProperty.call(record, 'constructor')
    ? record.constructor
    : undefined
  if (ctor !== null && typeof ctor === 'object' && 'prototype' in ctor) return true
  return Object.values(record).some((item) => holdsPrototypeKey(item, depth + 1))
}

/**
 * Decodes a request body as strict JSON: valid UTF-8 (never silently rewritten to U+FFFD), at
 * most {@link MAX_JSON_DEPTH} levels deep, no prototype-reaching keys. Every failure is a 400
 * `invalid_json` that says what was wrong; nothing here can throw anything else.
 */
export function decodeJsonBody(raw: Buffer | Uint8Array): unknown {
  if (raw.byteLength === 0) {
    throw new WardenError('invalid_json', 'The request body is empty; send a JSON object.')
  }
  let text: string
  try {
    text = utf8.decode(raw)
  } catch {
    throw new WardenError('invalid_json', 'The request body is not valid UTF-8.')
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new WardenError(
      'invalid_json',
      `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new WardenError('invalid_json', 'We could not parse the JSON body of your request.')
  }
  // Only bodies that mention the names pay for the walk.
  if ((text.includes('__proto__') || text.includes('constructor')) && holdsPrototypeKey(value)) {
    throw new WardenError(
      'invalid_json',
      'The JSON body holds a "__proto__" or "constructor.prototype" key, which is not accepted.',
    )
  }
  return value
}
