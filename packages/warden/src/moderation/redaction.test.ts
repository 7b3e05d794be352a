import { describe, expect, it } from 'vitest'
import type { Finding } from './classifier.js'
import { createPiiClassifier } from './pii-classifier.js'
import { createRedactor } from './redaction.js'

const finding = (text: string, value: string, label?: string, category = 'pii'): Finding => {
  const start = text.indexOf(value)
  return { category, score: 1, span: { start, end: start + value.length }, label, classifier: 't' }
}

describe('createRedactor', () => {
  it('replaces each value with a typed placeholder numbered per type', () => {
    const text = 'Mail ana@kestrel.io or bo@kestrel.io, call +44 20 7946 0958'
    const redacted = createRedactor().redact(text, [
      finding(text, 'ana@kestrel.io', 'email'),
      finding(text, 'bo@kestrel.io', 'email'),
      finding(text, '+44 20 7946 0958', 'phone'),
    ])
    expect(redacted).toBe('Mail [EMAIL_1] or [EMAIL_2], call [PHONE_1]')
  })

  it('gives one value the same placeholder in every message of the request', () => {
    const redactor = createRedactor()
    const first = 'From ana@kestrel.io: see the card 4111 1111 1111 1111'
    const second = 'Reply to ana@kestrel.io, not to bo@kestrel.io'
    const a = redactor.redact(first, [
      finding(first, 'ana@kestrel.io', 'email'),
      finding(first, '4111 1111 1111 1111', 'payment_card', 'payment_card'),
    ])
    const b = redactor.redact(second, [
      finding(second, 'ana@kestrel.io', 'email'),
      finding(second, 'bo@kestrel.io', 'email'),
    ])
    expect(a).toBe('From [EMAIL_1]: see the card [PAYMENT_CARD_1]')
    expect(b).toBe('Reply to [EMAIL_1], not to [EMAIL_2]')
    expect(createRedactor().redact(second, [finding(second, 'bo@kestrel.io', 'email')])).toBe(
      'Reply to ana@kestrel.io, not to [EMAIL_1]',
    )
  })

  it('keeps the longest of overlapping spans and names a finding without label by category', () => {
    const text = 'token=sk-proj-abc123XYZ and more'
    const outer = finding(text, 'token=sk-proj-abc123XYZ', undefined, 'secrets')
    const inner = finding(text, 'sk-proj-abc123XYZ', 'openai_key', 'secrets')
    expect(createRedactor().redact(text, [inner, outer])).toBe('[SECRETS_1] and more')
  })

  it('leaves out findings without a span or with a span outside the text', () => {
    const text = 'nothing to hide'
    const bad: Finding[] = [
      { category: 'hate', score: 0.9, classifier: 't' },
      { category: 'pii', score: 1, span: { start: 5, end: 99 }, label: 'email', classifier: 't' },
    ]
    expect(createRedactor().redact(text, bad)).toBe(text)
  })

  it('redacts what the PII classifier finds, at the right offsets even after invisible characters', async () => {
    const text = 'Ｃａｒｄ: 4111\u200b 1111 1111 1111, mail ana@kestrel.io.'
    const findings = await createPiiClassifier('pii').classify({
      text,
      direction: 'input',
      signal: new AbortController().signal,
    })
    expect(createRedactor().redact(text, findings)).toBe(
      'Ｃａｒｄ: [PAYMENT_CARD_1], mail [EMAIL_1].',
    )
  })
})
