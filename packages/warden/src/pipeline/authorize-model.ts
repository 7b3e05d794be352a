import { WardenError, type Principal } from '../domain/index.js'
import { tierAllowsModel, type PolicySnapshot } from '../policy/index.js'
import type { ModelRegistry } from '../providers/index.js'
import type { Stage } from './stage.js'

/** What the model checks need: the registry, the policy's tiers, where the portal lives. */
export interface ModelAccessDeps {
  readonly models: ModelRegistry
  readonly policy: () => PolicySnapshot
  /** The server's public address without a trailing slash, or '' for links as paths. */
  readonly publicUrl: string
}

/**
 * Why `principal` may not use `model`, or null when it may: the key's allow-list first, then
 * the application's tier in the usage policy. The model list and every call ask this one check.
 */
export function modelRefusal(
  principal: Principal | undefined,
  model: string,
  deps: Pick<ModelAccessDeps, 'policy' | 'publicUrl'>,
): WardenError | null {
  const shown = model.slice(0, 256)
  const allowed = principal?.allowedModels
  if (allowed != null && !allowed.includes(model)) {
    return new WardenError('model_not_allowed', `This API key may not use the model "${shown}".`, {
      param: 'model',
    })
  }
  if (principal === undefined) return null
  const policy = deps.policy()
  const tier = policy.tier(principal.tier)
  if (tierAllowsModel(tier, model)) return null
  const clause = `tier.${tier.id}`
  const other = policy.document.tiers.find((t) => t !== tier && tierAllowsModel(t, model))
  if (other) {
    return new WardenError(
      'application_not_approved',
      `The model "${shown}" needs the ${other.title} tier, and this application is in the ` +
        `${tier.title} tier. Apply for production access with a use-case application: ` +
        `${deps.publicUrl}/api/portal/applications (the usage policy: ${deps.publicUrl}/policy).`,
      { param: 'model', clause },
    )
  }
  return new WardenError(
    'model_not_allowed',
    `The usage policy does not allow the model "${shown}" in the ${tier.title} tier.`,
    { param: 'model', clause },
  )
}

/** Checks the key and the tier may use the requested model (403), then that it exists (404). */
export function authorizeModel(deps: ModelAccessDeps): Stage<{ readonly model: string }> {
  return async (x, next) => {
    const model = x.body?.model
    if (model === undefined) throw new Error('authorizeModel runs after readRequest')
    const refusal = modelRefusal(x.principal, model, deps)
    if (refusal) throw refusal
    const route = await deps.models.resolve(model)
    if (!route) {
      throw new WardenError('model_not_found', `The model "${model}" does not exist.`, {
        param: 'model',
      })
    }
    x.route = route
    await next()
  }
}
