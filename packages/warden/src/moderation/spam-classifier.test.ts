import { describe, expect, it } from 'vitest'
import { createSpamClassifier, spamClassifierKind } from './spam-classifier.js'

const classifier = createSpamClassifier()
const signal = new AbortController().signal
const classify = (text: string) => classifier.classify({ text, direction: 'input', signal })
const scoreOf = async (text: string, label: string) =>
  Math.max(0, ...(await classify(text)).filter((f) => f.label === label).map((f) => f.score))

describe('spam classifier', () => {
  it('flags link farms, shorteners, repeated links and disguised links', async () => {
    expect(
      await scoreOf(
        'https://bit.ly/a1 https://bit.ly/a2 https://tinyurl.com/x https://goo.gl/y',
        'links',
      ),
    ).toBeGreaterThanOrEqual(0.5)
    expect(
      await scoreOf(
        'http://a.example/p http://a.example/p http://a.example/p http://a.example/p',
        'links',
      ),
    ).toBeGreaterThanOrEqual(0.5)
    expect(
      await scoreOf('visit hxxp://prizes[.]example[.]com to claim your prize now!', 'links'),
    ).toBeGreaterThanOrEqual(0.5)
  })

  it('flags bulk promotion and crypto giveaways', async () => {
    expect(
      await scoreOf('LIMITED OFFER!!! BUY NOW and get 90% OFF. CLICK HERE!!!', 'promotion'),
    ).toBeGreaterThanOrEqual(0.8)
    expect(
      await scoreOf(
        'Send 0.1 BTC and receive 1 BTC back! Crypto giveaway today only.',
        'promotion',
      ),
    ).toBeGreaterThanOrEqual(0.5)
  })

  it('flags the same text over and over', async () => {
    expect(await scoreOf('cheap pills online '.repeat(6), 'repetition')).toBeGreaterThanOrEqual(0.5)
    expect(await scoreOf('Follow me on Insta!\n'.repeat(5), 'repetition')).toBeGreaterThanOrEqual(
      0.5,
    )
  })

  it('leaves ordinary links, marketing requests and code alone', async () => {
    for (const text of [
      'Here are the docs: https://nodejs.org/api/fs.html',
      'Compare https://react.dev and https://vuejs.org for a beginner.',
      "Write a marketing email for our bakery's weekend discount.",
      'for i in range(3):\n    print("hello")\n    print("hello")',
      'What does "hxxp" mean in threat intelligence reports?',
      'IMPORTANT NOTICE: THE OFFICE IS CLOSED ON MONDAY.',
    ]) {
      const findings = await classify(text)
      expect(Math.max(0, ...findings.map((f) => f.score)), text).toBeLessThan(0.5)
    }
  })

  it('spans the promotional phrases in the original text', async () => {
    const text = 'Hello friend. BUY NOW!!! Limited offer!!!'
    const finding = (await classify(text)).find((f) => f.label === 'promotion')
    expect(text.slice(finding?.span?.start, finding?.span?.end)).toBe('BUY NOW!!! Limited offer')
  })

  it('builds from its kind and judges a megabyte of text in seconds, not minutes (linear, whatever the load)', async () => {
    const built = await spamClassifierKind.create('s', spamClassifierKind.options.parse({}), {
      baseDir: '.',
      env: {},
    })
    for (const text of [
      'https://bit.ly/x '.repeat(60_000),
      'buy now '.repeat(130_000),
      'x'.repeat(1 << 20),
      'a b c d e f g h '.repeat(65_000),
    ]) {
      const started = performance.now()
      await built.classify({ text, direction: 'input', signal })
      expect(performance.now() - started, text.slice(0, 10)).toBeLessThan(5000)
    }
  })
})
