import { WardenError } from '../domain/index.js'
import type { ModelRegistry } from '../providers/index.js'
import { modelOf } from './exchange.js'
import type { Stage } from './stage.js'

/** Checks the key may use the requested model (403), then that a provider serves it (404). */
export function authorizeModel(deps: { readonly models: ModelRegistry }): Stage {
  return async (x, next) => {
    const model = modelOf(x)
    if (model !== null) {
      const allowed = x.principal?.allowedModels
      if (allowed && !allowed.includes(model)) {
        throw new WardenError(
          'model_not_allowed',
          `This API key may not use the model "${model}".`,
          {
            param: 'model',
          },
        )
      }
      const route = await deps.models.resolve(model)
      if (!route) {
        throw new WardenError('model_not_found', `The model "${model}" does not exist.`, {
          param: 'model',
        })
      }
      x.route = route
    }
    await next()
  }
}
