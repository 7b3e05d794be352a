import { WardenError } from '../domain/index.js'
import { modelRefusal, type ModelAccessDeps } from './authorize-model.js'
import type { Stage } from './stage.js'

/**
 * `GET /v1/models` (the models this key may use) and `GET /v1/models/{model}` (one model; the
 * route's body is `{ model }`), with the same allow-list check as every call.
 */
export function listModels(deps: ModelAccessDeps): Stage {
  return async (x) => {
    const wanted = (await x.readBody()) as { readonly model: string } | null
    const all = await deps.models.list()
    if (wanted === null) {
      const data = all.filter((m) => modelRefusal(x.principal, m.id, deps) === null)
      x.output = { kind: 'json', body: { object: 'list', data } }
      return
    }
    x.model = wanted.model.slice(0, 256)
    const refusal = modelRefusal(x.principal, wanted.model, deps)
    if (refusal) throw refusal
    const one = all.find((m) => m.id === wanted.model)
    if (!one) {
      throw new WardenError('model_not_found', `The model "${x.model}" does not exist.`, {
        param: 'model',
      })
    }
    x.output = { kind: 'json', body: { ...one } }
  }
}
