import { describe, expect, it } from 'vitest'
import { textSignature } from './text-signature.js'

/** Bits in which two 16-hex-digit signatures differ. */
function distance(a: string | null, b: string | null): number {
  if (a === null || b === null) throw new Error('no signature')
  let v = BigInt(`0x${a}`) ^ BigInt(`0x${b}`)
  let bits = 0
  while (v > 0n) {
    bits += Number(v & 1n)
    v >>= 1n
  }
  return bits
}

const BASE =
  'Check out the amazing new vitamin supplement that doctors do not want you to know about, ' +
  'order today at the official store and get a second bottle free with every purchase this week'

describe('textSignature', () => {
  it('gives near-identical texts signatures a few bits apart and unrelated ones far apart', () => {
    const base = textSignature(BASE)
    const oneWord = textSignature(BASE.replace('amazing', 'incredible'))
    const cased = textSignature(BASE.toUpperCase().replaceAll(',', ' ;'))
    const other = textSignature(
      'The committee will meet on Thursday to review the budget for the coming fiscal year and ' +
        'discuss the proposal to renovate the public library on the north side of town',
    )
    expect(base).toMatch(/^[0-9a-f]{16}$/)
    expect(distance(base, cased)).toBe(0)
    expect(distance(base, oneWord)).toBeLessThanOrEqual(12)
    expect(distance(base, other)).toBeGreaterThanOrEqual(20)
  })

  it('is null for short texts and reads at most the first 4,096 characters', () => {
    expect(textSignature('positive')).toBeNull()
    expect(textSignature('one two three four five six seven')).toBeNull()
    expect(textSignature('one two three four five six seven eight')).not.toBeNull()
    const long = `${BASE} `.repeat(40)
    expect(textSignature(long)).toBe(textSignature(`${long}and then something else entirely`))
  })

  it('is deterministic across calls (its counters are reused, not carried over)', () => {
    const first = textSignature(BASE)
    textSignature('a completely different text with more than eight words in it for sure')
    expect(textSignature(BASE)).toBe(first)
  })
})
