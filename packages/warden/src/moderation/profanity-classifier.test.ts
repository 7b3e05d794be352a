import { describe, expect, it } from 'vitest'
import { createProfanityClassifier, profanityClassifierKind } from './profanity-classifier.js'

const classifier = createProfanityClassifier()
const signal = new AbortController().signal
const classify = (text: string) => classifier.classify({ text, direction: 'input', signal })
const best = async (text: string) => Math.max(0, ...(await classify(text)).map((f) => f.score))

describe('profanity classifier', () => {
  it('catches the usual evasions of a swear word', async () => {
    for (const text of [
      'this is such sh1t',
      'f u c k this',
      'fuuuuuck',
      'what the f*ck',
      'you are a bi\u200btch',
      'dumb\u0430ss', // Cyrillic а
    ]) {
      const findings = await classify(text)
      expect(findings[0]?.category, text).toBe('harassment')
      expect(findings[0]?.label, text).toBe('profanity')
    }
  })

  it('never flags the classic false positives', async () => {
    for (const text of [
      'I live in Scunthorpe near Penistone.',
      'The assessment is due Monday.',
      'Can you recommend a cocktail?',
      'My therapist suggested journaling.',
      'Charles Dickens lived in Middlesex.',
      'Shiitake mushrooms and grapes.',
      'A chink in his armour.',
      'Flame retardant paint.',
      'What is the capital of Niger?',
      'The class passed the bass exam.',
    ]) {
      expect(await classify(text), text).toEqual([])
    }
  })

  it('keeps mild swearing low and a slur aimed at a person high', async () => {
    expect(await best('damn, I missed the bus')).toBeLessThan(0.3)
    expect(await best('this is bullshit')).toBeLessThan(0.5)
    expect(await best('fuck you')).toBeGreaterThanOrEqual(0.5)
    const slur = await classify('shut up you r3tard')
    expect(slur[0]?.label).toBe('slur')
    expect(slur[0]?.score).toBeGreaterThanOrEqual(0.7)
    expect(await best('the word retard is offensive')).toBeLessThan(slur[0]?.score ?? 0)
  })

  it('spans the word in the original text', async () => {
    const text = 'Well, \u200bsh1t happens'
    const [finding] = await classify(text)
    expect(text.slice(finding?.span?.start, finding?.span?.end)).toBe('sh1t')
  })

  it('builds from its kind and judges a megabyte of text in seconds, not minutes (linear, whatever the load)', async () => {
    const built = await profanityClassifierKind.create(
      'p',
      profanityClassifierKind.options.parse({}),
      { baseDir: '.', env: {} },
    )
    for (const text of [
      'f u c k '.repeat(130_000),
      'fuuuuuuuu'.repeat(116_000),
      'shit '.repeat(210_000),
    ]) {
      const started = performance.now()
      await built.classify({ text, direction: 'input', signal })
      expect(performance.now() - started).toBeLessThan(5000)
    }
  })
})
