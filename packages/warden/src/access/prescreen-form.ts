import type { UseCaseForm } from '../contract/index.js'
import { prescreen, type PolicyDocument } from '../policy/index.js'
import type { PrescreenResult } from './use-case-applications.js'

/** The portal's form, read by the policy's pre-screen; only the outcome and clauses are kept. */
export function prescreenForm(form: UseCaseForm, policy: PolicyDocument): PrescreenResult {
  const result = prescreen(
    {
      description: form.description,
      category: form.category,
      domains: form.domains,
      audience: form.audience,
      safeguards: form.safeguards,
      samples: form.samples,
    },
    policy,
  )
  return {
    outcome: result.outcome,
    clauses: result.clauses.map((c) => ({ id: c.id, why: c.why })),
  }
}
