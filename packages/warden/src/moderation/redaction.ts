import type { TextSpan } from './classifier.js'
import type { Redactor } from './content-filter.js'

/**
 * A redactor for one request: each value found becomes a typed placeholder (`[EMAIL_1]`,
 * `[PAYMENT_CARD_2]`), numbered per type, and the same value keeps the same placeholder
 * everywhere in the request (two messages, a prompt and its answer), so the model can still
 * tell two people apart. Where spans overlap, the one that starts first and reaches furthest
 * is replaced whole.
 */
export function createRedactor(): Redactor {
  const placeholders = new Map<string, string>()
  const counts = new Map<string, number>()

  const placeholderOf = (type: string, value: string): string => {
    const key = `${type}\u0000${value}`
    let placeholder = placeholders.get(key)
    if (placeholder === undefined) {
      const n = (counts.get(type) ?? 0) + 1
      counts.set(type, n)
      placeholder = `[${type}_${n}]`
      placeholders.set(key, placeholder)
    }
    return placeholder
  }

  return {
    redact(text, findings) {
      const spans = findings
        .map((f) => ({ span: clamp(f.span, text.length), type: typeOf(f.label ?? f.category) }))
        .filter((f) => f.span.end > f.span.start)
        .sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end)
      let out = ''
      let at = 0
      for (const { span, type } of spans) {
        if (span.start < at) continue // inside one already replaced
        out += text.slice(at, span.start) + placeholderOf(type, text.slice(span.start, span.end))
        at = span.end
      }
      return out + text.slice(at)
    },
  }
}

function clamp(span: TextSpan, length: number): TextSpan {
  const start = Math.min(Math.max(0, Math.trunc(span.start)), length)
  return { start, end: Math.min(Math.max(start, Math.trunc(span.end)), length) }
}

/** `payment_card` → `PAYMENT_CARD`; anything but letters, digits and `_` dropped. */
function typeOf(name: string): string {
  return (
    name
      .toUpperCase()
      .replace(/[^A-Z0-9_]/g, '_')
      .slice(0, 40) || 'REDACTED'
  )
}
