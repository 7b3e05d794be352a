import { WardenError } from '../domain/index.js'
import type { ModelRegistry } from '../providers/index.js'
import { mayUseModel } from './authorize-model.js'
import type { Stage } from './stage.js'

/**
 * `GET /v1/models` (the models this key may use) and `GET /v1/models/{model}` (one model; the
 * route's body is `{ model }`), with the same allow-list check as every call.
 */
export function listModels(deps: { readonly models: ModelRegistry }): Stage {
  return async (x) => {
    const wanted = (await x.readBody()) as { readonly model: string } | null
    const all = await deps.models.list()
    if (wanted === null) {
      const data = all.filter((m) => mayUseModel(x.principal, m.id))
      x.output = { kind: 'json', body: { object: 'list', data } }
      return
    }
    x.model = wanted.model.slice(0, 256)
    if (!mayUseModel(x.principal, wanted.model)) {
      throw new WardenError(
        'model_not_allowed',
        `This API key may not use the model "${x.model}".`,
        {
          param: 'model',
        },
      )
    }
    const one = all.find((m) => m.id === wanted.model)
    if (!one) {
      throw new WardenError('model_not_found', `The model "${x.model}" does not exist.`, {
        param: 'model',
      })
    }
    x.output = { kind: 'json', body: { ...one } }
  }
}
