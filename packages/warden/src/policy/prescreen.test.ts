import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { evaluatePrescreen, parseLabeledApplications } from './prescreen-evaluation.js'
import { prescreen, type PrescreenResult } from './prescreen.js'
import { DEFAULT_POLICY_FILE, parsePolicy } from './policy-source.js'
import type { UseCaseApplication } from './use-case-application.js'

const { document } = parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8'))
const screen = (app: UseCaseApplication | string): PrescreenResult =>
  prescreen(typeof app === 'string' ? { description: app } : app, document)
const ids = (result: PrescreenResult) => result.clauses.map((c) => c.id)

describe('the local pre-screen', () => {
  it('finds a prohibited use and quotes the words that show it', () => {
    const result = screen(
      'Send 50k personalised cold e-mails a day to small businesses from rotating domains.',
    )
    expect(result.outcome).toBe('prohibited')
    expect(ids(result)).toEqual(['prohibited.spam'])
    const [spam] = result.clauses
    expect(spam?.matched).toEqual(['cold e-mails', 'rotating domains'])
    expect(spam?.why).toBe(
      'Spam and unsolicited bulk messages: "cold e-mails" and "rotating domains" in the description.',
    )
  })

  it('finds a high-scrutiny domain from the text alone', () => {
    const result = screen(
      'Symptom checker: people describe how they feel and it suggests whether to see a doctor.',
    )
    expect(result.outcome).toBe('high_scrutiny')
    expect(ids(result)).toEqual(['high_scrutiny.medicine'])
    expect(result.clauses[0]?.why).toContain('"Symptom"')
  })

  it('says low risk, with no clauses, for a plain use', () => {
    const result = screen('Suggests recipes from whatever is in the fridge.')
    expect(result).toEqual({ outcome: 'low_risk', clauses: [], mitigations: [], setAside: [] })
  })

  it('tells a near miss from the use it resembles', () => {
    expect(
      screen('HR chatbot answering employees’ benefits questions from the handbook.').outcome,
    ).toBe('low_risk')
    expect(ids(screen('Rank job candidates from their CVs and shortlist the best ten.'))).toEqual([
      'high_scrutiny.employment',
    ])
    expect(screen('A spam filter for our company inbox.').outcome).toBe('low_risk')
    expect(
      screen('Run 300 accounts with distinct personalities that praise our drink.').outcome,
    ).toBe('prohibited')
    expect(screen('Bedtime stories for adults who cannot sleep.').outcome).toBe('low_risk')
    const sexual = screen('Writes sexual roleplay scenes with 14-year-old characters.')
    expect(sexual.outcome).toBe('prohibited')
    expect(sexual.clauses[0]).toMatchObject({
      id: 'prohibited.sexual_minors',
      matched: ['sexual roleplay scenes with 14-year-old'],
    })
  })

  it('does not trust self-reported domains: a plainly medical text is high scrutiny with none', () => {
    const result = screen({
      description: 'Explains to newly diagnosed diabetics how to dose their insulin.',
      domains: [],
    })
    expect(result.outcome).toBe('high_scrutiny')
    expect(ids(result)).toContain('high_scrutiny.medicine')
  })

  it('takes a declared domain or a minor audience as high scrutiny even when the text is plain', () => {
    const declared = screen({
      description: 'Summarises our weekly meeting notes into action items.',
      domains: ['finance', 'Health care', 'gardening'],
    })
    expect(ids(declared)).toEqual(['high_scrutiny.medicine', 'high_scrutiny.finance'])
    expect(declared.clauses[1]?.why).toBe(
      'Finance, credit and investment: the form declares the domain "finance".',
    )
    const young = screen({ description: 'A vocabulary quiz with streaks.', audience: ['minors'] })
    expect(ids(young)).toEqual(['high_scrutiny.minors'])
    expect(young.clauses[0]?.why).toBe('Products for minors: the audience includes minors.')
  })

  it('sets aside defensive mentions and says which word made them defensive', () => {
    for (const text of [
      'Detect phishing e-mails that reach our staff.',
      'Protect our customers against scams on the marketplace.',
      'An anti-malware assistant for our analysts.',
      'Moderation: classify comments for harassment so moderators can remove them.',
    ]) {
      expect(screen(text).outcome, text).toBe('low_risk')
    }
    const result = screen('Detect phishing e-mails that reach our staff.')
    expect(result.setAside).toEqual([
      {
        id: 'prohibited.fraud',
        why: 'Fraud, scams and deception for gain: "phishing" in the description reads as defensive ("detect"), so it does not count.',
        matched: ['phishing'],
      },
    ])
  })

  it('counts a mention whose defensive word is turned round by evasion', () => {
    expect(ids(screen('Write phishing e-mails that no filter will catch.'))).toEqual([
      'prohibited.fraud',
    ])
    expect(screen('Phishing e-mails for our staff, built to evade detection.').outcome).toBe(
      'prohibited',
    )
    expect(ids(screen('Keylogger packed so that antivirus does not detect it.'))).toEqual([
      'prohibited.malware',
    ])
  })

  it('keeps detection words from excusing a clause whose harm is recognition itself', () => {
    // The default policy turns defensive cues off for biometric surveillance only.
    const text = 'Alerts the guards when a face on camera matches our ban list.'
    const scanning = screen(text)
    expect(ids(scanning)).toEqual(['prohibited.biometric_surveillance'])
    const withCues = parsePolicy(
      readFileSync(DEFAULT_POLICY_FILE, 'utf8').replace(/^ *defensive_cues: false$/m, ''),
    ).document
    const excused = prescreen({ description: text }, withCues)
    expect(excused.outcome).toBe('low_risk')
    expect(excused.setAside.map((c) => c.id)).toEqual(['prohibited.biometric_surveillance'])
    // Negations still count: nobody is identified.
    expect(
      screen('Blurs the faces of everyone in our street photos; no face is ever identified.')
        .outcome,
    ).toBe('low_risk')
  })

  it('sets aside negated mentions, but only the clause a negation governs', () => {
    expect(screen('Newsletter for subscribers; we never send unsolicited e-mail.').outcome).toBe(
      'low_risk',
    )
    expect(screen('Running plans for amateurs; no medical advice.').outcome).toBe('low_risk')
    expect(ids(screen('Count shoppers from the door camera, without identifying anyone.'))).toEqual(
      [],
    )
    // The negation is in another clause of the sentence: the mention stands.
    expect(ids(screen('Message people who did not sign up, unsolicited, every day.'))).toEqual([
      'prohibited.spam',
    ])
  })

  it('reads the category, the safeguards and the samples as well as the description', () => {
    const result = screen({
      description: 'Copywriting assistant for our agency.',
      samples: [
        {
          prompt: 'Rewrite this offer 500 ways so the mail providers do not catch it as spam.',
          output: 'Here are the first fifty.',
        },
      ],
    })
    expect(ids(result)).toEqual(['prohibited.spam'])
    expect(result.clauses[0]?.why).toContain("in sample 1's prompt")
  })

  it('lists the mitigations a high-scrutiny result needs and which answers cover them', () => {
    const result = screen({
      description: 'Drafts answers to patients about their prescriptions.',
      humanOversight: true,
      safeguards: 'A pharmacist checks every answer. There is no appeal.',
    })
    expect(result.outcome).toBe('high_scrutiny')
    const evidence = Object.fromEntries(result.mitigations.map((m) => [m.id, m.evidence]))
    expect(evidence).toEqual({
      human_review: 'human_oversight: true',
      ai_disclosure: null,
      qualified_oversight: 'the safeguards say "pharmacist"',
      limitations_notice: null,
    })
    expect(result.mitigations[0]?.requiredBy).toEqual(['high_scrutiny.medicine'])
  })

  it('gives no mitigations for a prohibited result', () => {
    const result = screen('Phishing e-mails to our bank customers asking for their passwords.')
    expect(result.outcome).toBe('prohibited')
    expect(result.mitigations).toEqual([])
  })
})

describe('the labeled set', () => {
  const examples = parseLabeledApplications(
    readFileSync(new URL('../../prescreen/applications.jsonl', import.meta.url), 'utf8'),
  )

  it('has at least 90 examples, about a third of each outcome, most of them in near-miss pairs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(90)
    for (const outcome of ['prohibited', 'high_scrutiny', 'low_risk'] as const) {
      expect(examples.filter((e) => e.outcome === outcome).length).toBeGreaterThan(
        examples.length / 4,
      )
    }
    expect(examples.filter((e) => e.pair !== undefined).length).toBeGreaterThan(examples.length / 2)
    const pairs = new Map<string, number>()
    for (const e of examples) if (e.pair) pairs.set(e.pair, (pairs.get(e.pair) ?? 0) + 1)
    expect([...pairs.values()].every((n) => n === 2)).toBe(true)
  })

  it('labels only clauses of the default policy and covers every prohibited clause twice', () => {
    const known = new Set([
      ...document.prohibited.map((p) => `prohibited.${p.id}`),
      ...document.high_scrutiny.map((d) => `high_scrutiny.${d.id}`),
    ])
    for (const e of examples) for (const id of e.clauses) expect(known, id).toContain(id)
    for (const p of document.prohibited) {
      const id = `prohibited.${p.id}`
      expect(examples.filter((e) => e.clauses.includes(id)).length, id).toBeGreaterThanOrEqual(2)
    }
  })

  it('meets the goal on the examples it was tuned and trained on', () => {
    const tuning = evaluatePrescreen(
      examples.filter((e) => e.split === 'tuning'),
      document,
    )
    expect(tuning.outcomes.prohibited.recall).toBeGreaterThanOrEqual(0.95)
    expect(tuning.outcomes.prohibited.precision).toBeGreaterThanOrEqual(0.9)
  })

  it('meets the goal on the holdouts written blind and never tuned or trained on', () => {
    const holdout = evaluatePrescreen(
      examples.filter((e) => e.split === 'holdout'),
      document,
    )
    expect(holdout.examples).toBeGreaterThanOrEqual(100)
    expect(holdout.outcomes.prohibited.recall).toBeGreaterThanOrEqual(0.95)
    expect(holdout.outcomes.prohibited.precision).toBeGreaterThanOrEqual(0.9)
    expect(holdout.prohibitedReviewed).toBeGreaterThanOrEqual(0.95)
  })

  it('owes most of its recall on new wording to the learned layer', () => {
    // The phrases alone, measured when the last holdout was added (README.md beside the set).
    const phrasesOnly = evaluatePrescreen(
      examples.filter((e) => e.split === 'holdout'),
      document,
      { learned: null },
    )
    expect(phrasesOnly.outcomes.prohibited.recall).toBeLessThan(0.8)
    expect(phrasesOnly.outcomes.prohibited.precision).toBeGreaterThanOrEqual(0.9)
  })
})
