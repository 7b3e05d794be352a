import { describe, expect, it } from 'vitest'
import { matchesOf } from './regex-matches.js'

const asMatchAll = (pattern: RegExp, text: string) =>
  [...text.matchAll(pattern)].map((m) => ({ at: m.index, text: m[0], groups: [...m] }))
const asMatchesOf = (pattern: RegExp, text: string) =>
  [...matchesOf(pattern, text)].map((m) => ({ at: m.index, text: m[0], groups: [...m] }))

describe('matchesOf', () => {
  it('finds what matchAll finds, empty matches and surrogate pairs included', () => {
    const cases: [RegExp, string][] = [
      [/\b(\w)(\w*)\b/g, 'the quick, brown fox'],
      [/x*/g, 'axxb'],
      [/(?:)/gu, 'a😀b'],
      [/(?:)/g, 'a😀b'],
      [/\d{3}-\d{2}-\d{4}/g, 'ssn 123-45-6789 and 987-65-4321'],
      [/z/g, 'no match here'],
    ]
    for (const [pattern, text] of cases) {
      expect(asMatchesOf(pattern, text)).toEqual(asMatchAll(pattern, text))
      expect(pattern.lastIndex).toBe(0)
    }
  })

  it('refuses a pattern without the g flag, which would match the same place forever', () => {
    expect(() => matchesOf(/a/, 'aaa')).toThrow(TypeError)
  })

  it('leaves the pattern at the start when a walk is left early', () => {
    const pattern = /a/g
    for (const match of matchesOf(pattern, 'banana')) if (match.index > 0) break
    expect(pattern.lastIndex).toBe(0)
    expect([...matchesOf(pattern, 'banana')].map((m) => m.index)).toEqual([1, 3, 5])
  })
})
