import { WardenError, type Principal } from '../domain/index.js'
import type { ModelRegistry } from '../providers/index.js'
import type { Stage } from './stage.js'

/** The one check of a key's model allow-list: the model list and every call use it. */
export function mayUseModel(principal: Principal | undefined, model: string): boolean {
  const allowed = principal?.allowedModels
  return allowed == null || allowed.includes(model)
}

/** Checks the key may use the requested model (403), then that a provider serves it (404). */
export function authorizeModel(deps: {
  readonly models: ModelRegistry
}): Stage<{ readonly model: string }> {
  return async (x, next) => {
    const model = x.body?.model
    if (model === undefined) throw new Error('authorizeModel runs after readRequest')
    if (!mayUseModel(x.principal, model)) {
      throw new WardenError('model_not_allowed', `This API key may not use the model "${model}".`, {
        param: 'model',
      })
    }
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
