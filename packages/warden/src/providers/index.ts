import type { ProviderConfig } from '../config/index.js'
import { openAiCompatibleProviderKind } from './openai-compatible-provider.js'
import type { Provider, ProviderDeps, ProviderKind } from './provider.js'

/**
 * Every provider kind, by the `kind` a config entry names. The config schema is derived from
 * this object (see `configSchema`), so adding a kind is one file and one line here.
 */
export const providerKinds: Readonly<Record<string, ProviderKind>> = {
  'openai-compatible': openAiCompatibleProviderKind,
}

/**
 * Builds the provider a validated config entry describes. Parsing the entry again with the
 * kind's own schema recovers its typed options (idempotent: defaults are set, secrets pass
 * through unrevealed).
 */
export function createProvider(id: string, config: ProviderConfig, deps: ProviderDeps): Provider {
  const kind = Object.hasOwn(providerKinds, config.kind) ? providerKinds[config.kind] : undefined
  if (kind === undefined) throw new Error(`provider "${id}" names unknown kind "${config.kind}"`)
  return kind.create(id, kind.options.parse(config), deps)
}

export type {
  Provider,
  ProviderCall,
  ProviderCapabilities,
  ProviderDeps,
  ProviderKind,
} from './provider.js'
export { createModelRegistry } from './model-registry.js'
export type { ModelRegistry, ModelRoute } from './model-registry.js'
export { parseSseJson } from './sse-parser.js'
export { modelIdSchema, responsesRequestSchema } from './responses/responses-request.js'
export { responseUsage } from './responses/index.js'
export type { ResponsesCall } from './responses/responses-call.js'
export type { ResponsesRequest } from './responses/index.js'
