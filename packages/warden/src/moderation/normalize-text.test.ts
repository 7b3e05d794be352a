import { describe, expect, it } from 'vitest'
import { normalizeText } from './normalize-text.js'

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
