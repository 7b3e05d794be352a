// INTERIM: a plain indicator match, until the pre-screen on branch `prescreen` (negation, defensive uses, mitigations, a measured labeled set) replaces this file.
import type { PolicyDocument } from './policy-document.js'

export interface PrescreenInput {
  readonly description: string
  readonly category?: string | undefined
  readonly domains?: readonly string[]
  readonly audience?: readonly string[]
  readonly safeguards?: string | undefined
  readonly samples?: ReadonlyArray<{
    readonly prompt: string
    readonly output?: string | undefined
  }>
}

export function prescreen(app: PrescreenInput, policy: PolicyDocument) {
  const text = ` ${[app.description, app.category ?? '', app.safeguards ?? ''].join(' ').toLowerCase()} `
  const hit = (indicators: readonly string[]) =>
    indicators.filter((i) => text.includes(` ${i.replace(/\*$/, '').toLowerCase()}`))
  const prohibited = policy.prohibited
    .map((p) => ({ id: `prohibited.${p.id}`, matched: hit(p.indicators) }))
    .filter((c) => c.matched.length > 0)
  if (prohibited.length > 0)
    return {
      outcome: 'prohibited' as const,
      clauses: prohibited.map((c) => ({ id: c.id, why: c.matched.join(', '), matched: c.matched })),
    }
  const scrutiny = policy.high_scrutiny
    .map((d) => ({
      id: `high_scrutiny.${d.id}`,
      matched: [...hit(d.indicators), ...(app.domains ?? []).filter((x) => x === d.id)],
    }))
    .filter((c) => c.matched.length > 0)
  if (scrutiny.length > 0)
    return {
      outcome: 'high_scrutiny' as const,
      clauses: scrutiny.map((c) => ({ id: c.id, why: c.matched.join(', '), matched: c.matched })),
    }
  return { outcome: 'low_risk' as const, clauses: [] }
}
