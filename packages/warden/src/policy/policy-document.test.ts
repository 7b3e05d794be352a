import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseDocument, type Document } from 'yaml'
import { clausesOf, tierAllowsModel, type PolicyTier } from './policy-document.js'
import { diffPolicies } from './policy-diff.js'
import { DEFAULT_POLICY_FILE, parsePolicy, PolicyError } from './policy-source.js'

const defaultSource = readFileSync(DEFAULT_POLICY_FILE, 'utf8')

function problemsOf(source: string): readonly string[] {
  try {
    parsePolicy(source)
  } catch (error) {
    if (error instanceof PolicyError) return error.problems
    throw error
  }
  return []
}

/** The default policy's YAML with edits made through the YAML document model. */
function variant(change: (doc: Document) => void): string {
  const doc = parseDocument(defaultSource)
  change(doc)
  return doc.toString()
}

/** The index of the entry with `id` in a section of the default policy. */
function indexOf(section: 'high_scrutiny', id: string): number {
  return parsePolicy(defaultSource).document[section].findIndex((d) => d.id === id)
}

describe('the default usage policy', () => {
  const { document } = parsePolicy(defaultSource)
  const ids = clausesOf(document).map((c) => c.id)

  it('prohibits every use case the project names, each under a stable clause id', () => {
    for (const id of [
      'spam',
      'fraud',
      'astroturfing',
      'harassment',
      'malware',
      'sexual_minors',
      'protected_profiling',
      'biometric_surveillance',
      'mass_harm_weapons',
      'election_disinformation',
    ]) {
      expect(ids).toContain(`prohibited.${id}`)
    }
  })

  it('names every high-scrutiny domain with the mitigations it requires', () => {
    for (const id of [
      'medicine',
      'law',
      'finance',
      'employment',
      'housing',
      'education',
      'insurance',
      'law_enforcement',
      'elections',
      'critical_infrastructure',
      'minors',
    ]) {
      const domain = document.high_scrutiny.find((d) => d.id === id)
      expect(domain?.mitigations.length, id).toBeGreaterThan(0)
    }
  })

  it('has a sandbox default tier and a production tier with all four limits', () => {
    const sandbox = document.tiers.find((t) => t.default)
    expect(sandbox?.id).toBe('sandbox')
    const production = document.tiers.find((t) => t.id === 'production')
    expect(production?.limits.requests_per_minute).toBeGreaterThan(
      sandbox?.limits.requests_per_minute ?? Infinity,
    )
    expect(Object.keys(production?.limits ?? {})).toEqual([
      'requests_per_minute',
      'tokens_per_minute',
      'tokens_per_day',
      'concurrent_requests',
    ])
  })

  it('gives every content category an action in every tier', () => {
    for (const category of document.categories) {
      expect(Object.keys(category.actions).sort(), category.id).toEqual(['production', 'sandbox'])
    }
  })

  it('has unique clause ids', () => {
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe('validating a policy source', () => {
  it('names the path of a bad field', () => {
    const source = variant((doc) => {
      doc.setIn(['tiers', 0, 'limits', 'requests_per_minute'], -5)
    })
    expect(problemsOf(source)).toEqual([
      expect.stringMatching(/^tiers\.0\.limits\.requests_per_minute: /),
    ])
  })

  it('refuses a duplicate id, a mitigation that does not exist and a category for an unknown tier', () => {
    const source = variant((doc) => {
      doc.setIn(['prohibited', 1, 'id'], 'spam')
      doc.addIn(['high_scrutiny', 0, 'mitigations'], 'crystal_ball')
      doc.setIn(['categories', 0, 'actions', 'gold'], { action: 'block', threshold: 0.5 })
    })
    const problems = problemsOf(source)
    expect(problems).toContainEqual(
      expect.stringMatching(/^prohibited\.1\.id: "spam" is used twice/),
    )
    expect(problems).toContainEqual(
      expect.stringMatching(/^high_scrutiny\.0\.mitigations\.\d+: no mitigation "crystal_ball"/),
    )
    expect(problems).toContainEqual(
      expect.stringMatching(/^categories\.0\.actions\.gold: no tier "gold"/),
    )
  })

  it('needs exactly one default tier and refuses unknown fields', () => {
    const source = variant((doc) => {
      doc.setIn(['tiers', 1, 'default'], true)
      doc.setIn(['tiers', 1, 'colour'], 'gold')
    })
    const problems = problemsOf(source)
    expect(problems).toContainEqual(expect.stringMatching(/^tiers: exactly one tier/))
    expect(problems).toContainEqual(expect.stringMatching(/^tiers\.1: .*colour/))
  })

  it('refuses text that is not YAML, and an empty document', () => {
    expect(problemsOf('tiers: [unclosed')).toEqual([expect.stringMatching(/not valid YAML/)])
    expect(problemsOf('')[0]).toMatch(/^\(root\): /)
  })

  it('hashes the source, so the same text is the same version', () => {
    expect(parsePolicy(defaultSource).hash).toBe(parsePolicy(defaultSource).hash)
    expect(parsePolicy(`${defaultSource}\n# note`).hash).not.toBe(parsePolicy(defaultSource).hash)
  })
})

describe('tier model patterns', () => {
  const tier = (models: string[]): PolicyTier => ({
    id: 't',
    title: 'T',
    text: 'T',
    default: false,
    limits: {
      requests_per_minute: 1,
      tokens_per_minute: 1,
      tokens_per_day: 1,
      concurrent_requests: 1,
    },
    models,
  })
  it('matches exact ids, prefixes and a lone star', () => {
    expect(tierAllowsModel(tier(['*']), 'anything/at-all')).toBe(true)
    expect(tierAllowsModel(tier(['gpt-4o*']), 'gpt-4o-mini')).toBe(true)
    expect(tierAllowsModel(tier(['gpt-4o*']), 'gpt-4')).toBe(false)
    expect(tierAllowsModel(tier(['*-mini']), 'gpt-4o-mini')).toBe(true)
    expect(tierAllowsModel(tier(['a*b*c']), 'abc')).toBe(true)
    expect(tierAllowsModel(tier(['a*b*c']), 'acb')).toBe(false)
    expect(tierAllowsModel(tier(['stub-model']), 'stub-model-2')).toBe(false)
  })
})

describe('the clause-aware diff', () => {
  it('reports changed, added and removed clauses by id, and counts the rest', () => {
    const from = parsePolicy(defaultSource).document
    const to = parsePolicy(
      variant((doc) => {
        doc.setIn(['prohibited', 0, 'text'], 'Do not send bulk messages nobody asked for.')
        doc.addIn(['prohibited'], { id: 'deepfakes', title: 'Deceptive deepfakes', text: 'No.' })
        doc.deleteIn(['high_scrutiny', indexOf('high_scrutiny', 'housing')])
        doc.setIn(['tiers', 1, 'limits', 'requests_per_minute'], 1200)
      }),
    ).document
    const diff = diffPolicies(from, to)
    const kinds = Object.fromEntries(diff.changes.map((c) => [c.id, c.kind]))
    expect(kinds).toEqual({
      'prohibited.spam': 'changed',
      'prohibited.deepfakes': 'added',
      'tier.production': 'changed',
      'high_scrutiny.housing': 'removed',
    })
    const spam = diff.changes.find((c) => c.id === 'prohibited.spam')
    expect(spam?.text?.some((p) => p.kind === 'added' && p.text.includes('nobody'))).toBe(true)
    const production = diff.changes.find((c) => c.id === 'tier.production')
    expect(production?.details).toEqual({
      removed: ['600 requests a minute'],
      added: ['1200 requests a minute'],
    })
    expect(diff.unchanged).toBe(clausesOf(from).length - 3)
  })
})
