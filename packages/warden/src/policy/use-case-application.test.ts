import { describe, expect, it } from 'vitest'
import { toUseCaseApplication, useCaseApplicationSchema } from './use-case-application.js'

describe('the use-case form', () => {
  it('reads the snake_case form into the application', () => {
    const form = useCaseApplicationSchema.parse({
      description: '  Answers questions about our product.  ',
      category: 'support',
      domains: ['finance'],
      audience: ['consumers'],
      expected_volume: 2000,
      human_oversight: true,
      discloses_ai: false,
      safeguards: 'A person reviews samples weekly.',
      samples: [{ prompt: 'Hi', output: 'Hello' }],
      safety_contact: 'safety@example.com',
    })
    expect(toUseCaseApplication(form)).toEqual({
      description: 'Answers questions about our product.',
      category: 'support',
      domains: ['finance'],
      audience: ['consumers'],
      expectedVolume: 2000,
      humanOversight: true,
      disclosesAi: false,
      safeguards: 'A person reviews samples weekly.',
      samples: [{ prompt: 'Hi', output: 'Hello' }],
      safetyContact: 'safety@example.com',
    })
  })

  it('refuses a missing description, unknown keys, unknown audiences and unbounded text', () => {
    const paths = (raw: unknown) =>
      useCaseApplicationSchema.safeParse(raw).error?.issues.map((i) => i.path.join('.'))
    expect(paths({})).toEqual(['description'])
    expect(paths({ description: 'x', domain: ['law'] })).toEqual([''])
    expect(paths({ description: 'x', audience: ['adults'] })).toEqual(['audience.0'])
    expect(paths({ description: 'x'.repeat(8001) })).toEqual(['description'])
    expect(paths({ description: 'x', samples: [{ prompt: 'p' }] })).toEqual(['samples.0.output'])
  })
})
