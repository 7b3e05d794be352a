import { describe, expect, it } from 'vitest'
import type { Finding } from './classifier.js'
import { createPiiClassifier, piiClassifierKind } from './pii-classifier.js'

const signal = new AbortController().signal
const classify = (text: string, options = {}) =>
  createPiiClassifier('pii', options).classify({ text, direction: 'input', signal })
/** What a reviewer sees: the label and the text under each span. */
const shown = (text: string, findings: readonly Finding[]) =>
  findings.map((f) => [f.label, text.slice(f.span?.start, f.span?.end)])

describe('piiClassifierKind', () => {
  it('finds cards with a valid Luhn digit in every brand, as category payment_card', async () => {
    const text = [
      'visa 4539 1488 0343 6467',
      'mc2 2221-0012-3456-7896',
      'amex 3782 822463 10005',
      'jcb 3530111333300000',
      'diners 3056 930902 5904',
      'unionpay 6212 3456 7890 1234 569',
      'discover 6011 1111 1111 1117',
    ].join('; ')
    const findings = await classify(text)
    expect(findings.map((f) => f.category)).toEqual(Array(7).fill('payment_card'))
    expect(findings.every((f) => f.score === 1)).toBe(true)
    expect(shown(text, findings).map(([, v]) => v)).toEqual([
      '4539 1488 0343 6467',
      '2221-0012-3456-7896',
      '3782 822463 10005',
      '3530111333300000',
      '3056 930902 5904',
      '6212 3456 7890 1234 569',
      '6011 1111 1111 1117',
    ])
  })

  it('does not take a Luhn-invalid number, an unknown issuer or a number glued to a word', async () => {
    expect(await classify('card 4539 1488 0343 6468 and 9999 9999 9999 9995')).toEqual([])
    expect(await classify('id SN-4539-1488-0343-6467 and ref4539148803436467')).toEqual([])
  })

  it('finds IBANs grouped or compact with a valid checksum, and not one digit off', async () => {
    const text =
      'to DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432, not DE89370400440532013001'
    expect(shown(text, await classify(text))).toEqual([
      ['iban', 'DE89 3704 0044 0532 0130 00'],
      ['iban', 'GB82WEST12345698765432'],
    ])
  })

  it('finds phone numbers in international and national formats of several regions', async () => {
    const text =
      'London +44 20 7946 0958, NYC (212) 555-0143, Berlin 030 23125000, Paris 01 42 68 53 00, ' +
      'Sydney (02) 9374 4000, Tokyo 03-3224-9999, São Paulo (11) 98765-4321'
    const phones = shown(text, await classify(text)).filter(([label]) => label === 'phone')
    expect(phones.map(([, v]) => v)).toEqual([
      '+44 20 7946 0958',
      '(212) 555-0143',
      '030 23125000',
      '01 42 68 53 00',
      '(02) 9374 4000',
      '03-3224-9999',
      '(11) 98765-4321',
    ])
  })

  it('does not take dates, order numbers, timestamps or versions for phone numbers', async () => {
    const text =
      'Order #4155550123 shipped 2024-03-15; ts=1717171717; v10.0.19045.3803; pi 3.14159265358979'
    expect(await classify(text)).toEqual([])
  })

  it('finds national ids by their rules and check letters', async () => {
    const text = 'SSN 536-22-1234, NINO AB 12 34 56 C, DNI 12345678Z, Aadhaar 2341 2341 2346'
    expect(shown(text, await classify(text))).toEqual([
      ['ssn', '536-22-1234'],
      ['nino', 'AB 12 34 56 C'],
      ['es_dni', '12345678Z'],
      ['aadhaar', '2341 2341 2346'],
    ])
    const invalid = 'SSN 666-22-1234, 123-00-4567, NINO QQ 12 34 56 C, DNI 12345678A'
    expect(await classify(invalid)).toEqual([])
  })

  it('finds e-mail addresses but not local hosts, documentation domains or file names', async () => {
    const text =
      'write to ana.lima+news@correio.com.br; not user@localhost, dev@example.com, git@github.com:a/b or logo@2x.png'
    const findings = await classify(text)
    expect(shown(text, findings)).toEqual([['email', 'ana.lima+news@correio.com.br']])
    expect(findings[0]?.score).toBe(0.8)
  })

  it('finds IPv4 and IPv6 addresses at a lower score, but not versions, OIDs or loopback', async () => {
    const text =
      'from 203.0.113.9 and 2001:db8:85a3::8a2e:370:7334; version 1.2.3.4, OID 1.3.6.1.4.1, 127.0.0.1, 12:30:45'
    const findings = await classify(text)
    expect(shown(text, findings)).toEqual([
      ['ip_address', '203.0.113.9'],
      ['ip_address', '2001:db8:85a3::8a2e:370:7334'],
    ])
    expect(findings.every((f) => f.score === 0.6)).toBe(true)
  })

  it('sees through full-width digits and zero-width characters, with spans in the original text', async () => {
    const text = 'card ４５３９ １４８８ ０３４３ ６４６７ and 4539\u200b1488\u200b0343\u200b6467!'
    expect(shown(text, await classify(text))).toEqual([
      ['payment_card', '４５３９ １４８８ ０３４３ ６４６７'],
      ['payment_card', '4539\u200b1488\u200b0343\u200b6467'],
    ])
  })

  it('looks only for the types its options enable, and national phones only in its regions', async () => {
    const text = 'ana@kestrel.io, 4539 1488 0343 6467, 030 23125000'
    const onlyCards = await classify(text, { types: ['payment_card'] })
    expect(onlyCards.map((f) => f.label)).toEqual(['payment_card'])
    const usOnly = await classify(text, { types: ['phone'], phoneRegions: ['US'] })
    expect(usOnly).toEqual([])
    expect(() => piiClassifierKind.options.parse({ phoneRegions: ['XX'] })).toThrow(/region/)
  })

  it('stays within a second of CPU on a megabyte of hostile input', async () => {
    const hostile = [
      '4'.repeat(1 << 20),
      '1 '.repeat(1 << 19),
      '@'.repeat(1 << 20),
      'a'.repeat(1 << 20) + '@x',
      ':'.repeat(1 << 20),
      '1.'.repeat(1 << 19),
      '+1 (212) 555-0143, '.repeat(1 << 15),
      'DE89 '.repeat(1 << 18),
      String.fromCharCode(...Array.from({ length: 1 << 16 }, (_, i) => (i * 7919) % 65536)).repeat(
        16,
      ),
      Array.from({ length: 1 << 16 }, (_, i) => `(212) 5${i % 100}-${1000 + (i % 9000)}`).join(
        ', ',
      ),
    ]
    for (const text of hostile) {
      // CPU time, not wall time: a loaded test machine must not fail a linear scan.
      const started = process.cpuUsage()
      await classify(text)
      const { user, system } = process.cpuUsage(started)
      expect((user + system) / 1000).toBeLessThan(1000)
    }
  })

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('time is up'))
    await expect(
      createPiiClassifier('pii').classify({
        text: 'ana@kestrel.io',
        direction: 'input',
        signal: controller.signal,
      }),
    ).rejects.toThrow('time is up')
  })
})
