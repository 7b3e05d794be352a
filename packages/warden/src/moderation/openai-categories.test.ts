import { describe, expect, it } from 'vitest'
import type { ContentVerdict, DecidedFinding } from './content-decision.js'
import { toModerationResult } from './openai-categories.js'

const finding = (over: Partial<DecidedFinding>): DecidedFinding => ({
  category: 'hate',
  score: 0.9,
  classifier: 'c',
  maxAction: 'block',
  action: 'flag',
  clause: 'category.hate',
  ...over,
})

const verdict = (findings: DecidedFinding[]): ContentVerdict => ({
  action: findings.some((f) => f.action !== 'allow') ? 'flag' : 'allow',
  findings,
  failures: [],
  blockedBy: null,
})

describe('toModerationResult', () => {
  it('scores a policy category under its OpenAI parent, and a subcategory its label names', () => {
    const result = toModerationResult(
      verdict([
        finding({ category: 'harassment', label: 'harassment/threatening', score: 0.8 }),
        finding({ category: 'weapons', score: 0.6 }),
        finding({ category: 'self_harm', score: 0.2, action: 'allow' }),
      ]),
    )
    expect(result.category_scores['harassment']).toBe(0.8)
    expect(result.category_scores['harassment/threatening']).toBe(0.8)
    expect(result.categories['harassment/threatening']).toBe(true)
    expect(result.category_scores['illicit/violent']).toBe(0.6)
    // Below its threshold: scored, not flagged.
    expect(result.category_scores['self-harm']).toBe(0.2)
    expect(result.categories['self-harm']).toBe(false)
    expect(result.flagged).toBe(true)
  })

  it('flags a result for a category OpenAI has no name for, with every OpenAI category clear', () => {
    const result = toModerationResult(
      verdict([finding({ category: 'pii', label: 'email', clause: 'category.pii' })]),
    )
    expect(result.flagged).toBe(true)
    expect(Object.values(result.categories)).not.toContain(true)
    expect(Object.values(result.category_scores)).toEqual(
      Object.values(result.category_scores).map(() => 0),
    )
  })
})
