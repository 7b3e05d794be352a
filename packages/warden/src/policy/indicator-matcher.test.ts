import { describe, expect, it } from 'vitest'
import { compileIndicator, findMentions, findTogether } from './indicator-matcher.js'

const words = (phrase: string, text: string) =>
  findMentions(text, [compileIndicator(phrase)]).map((m) => m.text)

describe('indicators', () => {
  it('match whole words, case-insensitively, with * as any ending', () => {
    expect(words('phish*', 'Phishing and PHISHED, not fish')).toEqual(['Phishing', 'PHISHED'])
    expect(words('ics', 'ICS networks, not physics')).toEqual(['ICS'])
    expect(words('résumé*', 'Parse résumés')).toEqual(['résumés'])
  })

  it('take * alone for exactly one word', () => {
    expect(words('find where * lives', 'find where she lives; find where lives')).toEqual([
      'find where she lives',
    ])
  })

  it('let a hyphen match a hyphen, a space or nothing, and words be joined by hyphens', () => {
    expect(words('cold e-mail*', 'cold email, cold e-mails, cold e mail')).toEqual([
      'cold email',
      'cold e-mails',
      'cold e mail',
    ])
    expect(words('sock puppet*', 'sock-puppets and sock puppet')).toEqual([
      'sock-puppets',
      'sock puppet',
    ])
    expect(words("people's", 'people’s data')).toEqual(['people’s'])
  })

  it('report the longest of overlapping matches once', () => {
    const found = findMentions('phishing kits', [
      compileIndicator('phish*'),
      compileIndicator('phishing kit*'),
    ])
    expect(found.map((m) => [m.phrase, m.text])).toEqual([['phishing kit*', 'phishing kits']])
  })

  it('read each mention in its sentence: plain, negated or defensive', () => {
    const read = (text: string) =>
      findMentions(text, [compileIndicator('unsolicited')]).map((m) => m.reading)
    expect(read('We send unsolicited offers.')).toEqual([{ kind: 'plain' }])
    expect(read('We never send unsolicited offers.')).toEqual([{ kind: 'negated', cue: 'never' }])
    expect(read('It blocks unsolicited offers.')).toEqual([{ kind: 'defensive', cue: 'blocks' }])
    expect(read('Unsolicited offers that evade filters.')).toEqual([{ kind: 'plain' }])
    expect(read('No spam here. We send unsolicited offers.')).toEqual([{ kind: 'plain' }])
  })
})

describe('together pairs', () => {
  const pair = {
    any: [compileIndicator('sexual scene*')],
    with: [compileIndicator('14-year-old*')],
  }

  it('match where both lists occur in one sentence, quoting both parts', () => {
    expect(
      findTogether('Write sexual scenes about 14-year-olds.', pair).map((m) => m.text),
    ).toEqual(['sexual scenes about 14-year-olds'])
    const far = 'Write sexual scenes, long ones with plenty of plot twists, about 14-year-olds.'
    expect(findTogether(far, pair).map((m) => m.text)).toEqual(['sexual scenes … 14-year-olds'])
  })

  it('do not match across sentences, and read a negation before either part', () => {
    expect(findTogether('Write sexual scenes. Our users are 14-year-olds.', pair)).toEqual([])
    const negated = findTogether('Sexual scenes, never with 14-year-olds.', pair)
    expect(negated.map((m) => m.reading)).toEqual([{ kind: 'negated', cue: 'never' }])
  })
})
