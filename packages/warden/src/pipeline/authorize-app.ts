import { WardenError } from '../domain/index.js'
import { acceptanceIsCurrent, type PolicySnapshot } from '../policy/index.js'
import type { Stage } from './stage.js'

/** What the application checks need: the policy without a query, the clock, where pages live. */
export interface AuthorizeAppDeps {
  readonly policy: () => PolicySnapshot
  readonly now: () => number
  /** The server's public address without a trailing slash, or '' for links as paths. */
  readonly publicUrl: string
}

/**
 * Refuses keys of suspended and revoked applications, and production traffic of organizations
 * that have not accepted the usage policy version they must (after its grace period). Everything
 * it reads comes with the cached principal and the policy snapshot: no query per request.
 */
export function authorizeApp(deps: AuthorizeAppDeps): Stage {
  return async (x, next) => {
    const principal = x.principal
    if (principal === undefined) throw new Error('authorizeApp runs after authenticate')
    if (principal.appStatus !== 'active') {
      throw new WardenError(
        'application_suspended',
        `This application is ${principal.appStatus}: its API keys may not be used. ` +
          'The organization was told why; contact the operator of this gateway to appeal.',
      )
    }
    const policy = deps.policy()
    const tier = policy.tier(principal.tier)
    if (
      tier !== policy.defaultTier &&
      !acceptanceIsCurrent(policy, principal.acceptedPolicyVersion, deps.now())
    ) {
      const version = policy.required.version
      throw new WardenError(
        'policy_acceptance_required',
        `Your organization must accept version ${version} of the usage policy to keep ` +
          `production access. Read it at ${deps.publicUrl}/policy/versions/${version}, then ` +
          'accept it in the portal.',
        { clause: `tier.${tier.id}` },
      )
    }
    await next()
  }
}
