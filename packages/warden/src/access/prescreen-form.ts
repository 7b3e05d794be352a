import type { UseCaseForm } from '../contract/index.js'
import { prescreen, toUseCaseApplication, type PolicyDocument } from '../policy/index.js'
import type { PrescreenResult } from './review-states.js'

/** The portal's form, read by the policy's local pre-screen. */
export function prescreenForm(form: UseCaseForm, policy: PolicyDocument): PrescreenResult {
  const result = prescreen(toUseCaseApplication(form), policy)
  return {
    outcome: result.outcome,
    clauses: result.clauses.map((c) => ({ id: c.id, why: c.why })),
    mitigations: result.mitigations.map((m) => ({
      id: m.id,
      title: m.title,
      required_by: [...m.requiredBy],
      evidence: m.evidence,
    })),
  }
}
