import { describe, expect, it } from 'vitest'
import type { PlacedFinding, TextsVerdict } from './content-filter.js'
import { OutputGuard, type OutputWindowOptions } from './output-guard.js'

const CARD = /\b\d{4} \d{4} \d{4} \d{4}\b/g

/** A stand-in for the classifiers: cards are redacted, the word "forbidden" blocks. */
function checker(windows: string[] = []) {
  return (text: string): Promise<TextsVerdict> => {
    windows.push(text)
    const findings: PlacedFinding[] = []
    for (const m of text.matchAll(CARD)) {
      findings.push({
        category: 'payment_card',
        label: 'payment_card',
        score: 1,
        span: { start: m.index, end: m.index + m[0].length },
        classifier: 'cards',
        maxAction: 'block',
        action: 'redact',
        clause: 'category.payment_card',
        text: 0,
      })
    }
    const at = text.indexOf('forbidden')
    if (at >= 0) {
      findings.push({
        category: 'hate',
        score: 0.9,
        span: { start: at, end: at + 9 },
        classifier: 'words',
        maxAction: 'block',
        action: 'block',
        clause: 'category.hate',
        text: 0,
      })
    }
    const blocking = findings.find((f) => f.action === 'block') ?? null
    const action = blocking ? 'block' : findings.length > 0 ? 'redact' : 'allow'
    return Promise.resolve({
      action,
      findings,
      failures: [],
      blockedBy: blocking,
      truncated: false,
    })
  }
}

const SMALL: OutputWindowOptions = {
  holdBackChars: 24,
  checkEveryChars: 8,
  contextChars: 16,
  maxHoldChars: 64,
}

/** Streams `text` into a guard in pieces of `size`, checking as the pipeline does. */
async function stream(text: string, size: number, options = SMALL) {
  const guard = new OutputGuard(checker(), options)
  const releases: number[] = []
  for (let at = 0; at < text.length; at += size) {
    guard.append('0/', text.slice(at, at + size))
    if (guard.due('0/')) await guard.checkText('0/', false)
    releases.push(guard.released('0/'))
  }
  await guard.checkText('0/', true)
  releases.push(guard.released('0/'))
  return { guard, releases }
}

describe('OutputGuard', () => {
  const text = 'Your card 4111 1111 1111 1111 was charged twice this month, sorry about that.'
  const cardAt = text.indexOf('4111')

  it('never releases part of a card number before the whole number is found, however it is split', async () => {
    for (let size = 1; size <= 20; size += 1) {
      const { guard, releases } = await stream(text, size)
      for (const released of releases) {
        // Released text stops before the card, or the card is known to be redacted by then.
        if (released > cardAt) {
          expect(guard.redactionsIn('0/', cardAt, cardAt + 19)).toHaveLength(1)
        }
      }
      expect(guard.released('0/')).toBe(text.length)
      expect(guard.redactionsIn('0/', 0, text.length)).toEqual([
        expect.objectContaining({ start: cardAt, end: cardAt + 19, value: '4111 1111 1111 1111' }),
      ])
      expect(guard.verdict().action).toBe('redact')
    }
  })

  it('releases only checked text, held back by the window, and ends at a word', async () => {
    const windows: string[] = []
    const guard = new OutputGuard(checker(windows), SMALL)
    const start = 'The parcel left the depot on Monday and '
    guard.append('0/', start)
    await guard.checkText('0/', false)
    const released = guard.released('0/')
    expect(released).toBeLessThanOrEqual(40 - SMALL.holdBackChars)
    expect(start.slice(0, released)).toBe('The parcel left ')
    guard.append('0/', 'arrives on Thursday.')
    expect(guard.released('0/')).toBe(released)
    await guard.checkText('0/', true)
    expect(guard.released('0/')).toBe(60)
    // The second check read some of the first as context.
    expect(windows[1]?.startsWith('The ')).toBe(true)
  })

  it('stops releasing once a window blocks, and names what blocked', async () => {
    const { guard, releases } = await stream(
      'A long and friendly answer about parcels, then a forbidden word, then more text.',
      5,
    )
    const at = 'A long and friendly answer about parcels, then a '.length
    expect(Math.max(...releases)).toBeLessThan(at)
    expect(guard.blockedBy).toMatchObject({ category: 'hate', span: { start: at, end: at + 9 } })
    expect(guard.verdict().action).toBe('block')
  })

  it('holds an unbroken run until it ends, up to maxHoldChars', async () => {
    const key = 'x'.repeat(100)
    const { releases } = await stream(`token ${key} end of it here and more words`, 4)
    // Nothing inside the run goes out before the run has been held maxHoldChars.
    for (const released of releases.slice(0, -1)) {
      expect(released <= 6 || released >= 6 + SMALL.maxHoldChars).toBe(true)
    }
  })

  it('keeps findings once each across overlapping windows, at offsets of the whole text', async () => {
    const { guard } = await stream(`${'word '.repeat(12)}${text}`, 3)
    const cards = guard.verdict().findings.filter((f) => f.category === 'payment_card')
    expect(cards).toHaveLength(1)
    expect(cards[0]?.span).toEqual({ start: 60 + cardAt, end: 60 + cardAt + 19 })
  })
})
