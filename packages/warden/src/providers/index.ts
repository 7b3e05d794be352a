import type { ProviderConfig } from '../config/index.js'
import { createOpenAiCompatibleProvider } from './openai-compatible-provider.js'
import type { Provider } from './provider.js'

/** Every provider kind, by the `kind` a config entry names. Adding a kind is one line here. */
export const providerKinds: {
  readonly [K in ProviderConfig['kind']]: (
    id: string,
    config: Extract<ProviderConfig, { kind: K }>,
  ) => Provider
} = {
  'openai-compatible': createOpenAiCompatibleProvider,
}

/** Builds the provider a config entry describes. */
export function createProvider(id: string, config: ProviderConfig): Provider {
  return providerKinds[config.kind](id, config)
}

export type { Provider, ProviderCall, ProviderCapabilities } from './provider.js'
export { createModelRegistry } from './model-registry.js'
export type { ModelRegistry, ModelRoute } from './model-registry.js'
export { parseSseJson } from './sse-parser.js'
