import { describe, expect, it } from 'vitest'
import { normalizeText, normalizeTextWithOffsets } from './normalize-text.js'

describe('normalizeText', () => {
  it('folds digits and symbols used as letters back into the word they spell', () => {
    expect(normalizeText('I h4te th3m, k1ll them, a$$hole, $hit, n00b')).toBe(
      'i hate them, kill them, asshole, shit, noob',
    )
  })

  it('leaves numbers, version names and punctuation alone', () => {
    expect(normalizeText('covid19 and win10 cost $100 on 3/4, hey!')).toBe(
      'covid19 and win10 cost $100 on 3/4, hey!',
    )
  })

  it('joins letters spelled apart and drops masks inside words', () => {
    expect(normalizeText('I hate b l a c k people, k.i.l.l them, f*ck')).toBe(
      'i hate black people, kill them, fck',
    )
  })

  it('removes zero-width and bidi characters and maps look-alike letters to Latin', () => {
    expect(normalizeText('k\u200bi\u200dll the \u0456di\u043et \u202eNOW')).toBe(
      'kill the idiot now',
    )
  })

  it('applies NFKC, strips diacritics and cuts long repeats to two, emoji included', () => {
    expect(normalizeText('Ｃａｆé naïve, fuuuuuck!!!!')).toBe('cafe naive, fuuck!!')
    expect(normalizeText('so 🔥🔥🔥🔥 here')).toBe('so 🔥🔥 here')
  })
})

describe('normalizeTextWithOffsets', () => {
  const samples = [
    'I h4te th3m, k1ll them, a$$hole, $hit, n00b',
    'I hate b l a c k people, k.i.l.l them, f*ck',
    'k\u200bi\u200dll the \u0456di\u043et \u202eNOW',
    'Ｃａｆé naïve, fuuuuuck!!!! so 🔥🔥🔥🔥 here',
    'ﬁle İstanbul e\u0301\u0301 done',
  ]

  it('folds exactly as normalizeText does', () => {
    for (const text of samples)
      expect(normalizeTextWithOffsets(text).text).toBe(normalizeText(text))
  })

  it('maps each folded unit back to the characters it came from', () => {
    const text = 'say k i\u200b l l 1t, Ｃａｆé'
    const folded = normalizeTextWithOffsets(text)
    const at = folded.text.indexOf('kill')
    expect(at).toBeGreaterThan(0)
    expect(text.slice(folded.starts[at], folded.ends[at + 3])).toBe('k i\u200b l l')
    const cafe = folded.text.indexOf('cafe')
    expect(text.slice(folded.starts[cafe], folded.ends[cafe + 3])).toBe('Ｃａｆé')
  })
})
