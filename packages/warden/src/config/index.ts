export { configSchema, LOG_LEVELS } from './schema.js'
export type {
  Config,
  ProviderConfig,
  OpenAiCompatibleProviderConfig,
  ModelConfig,
} from './schema.js'
export { loadConfig, ConfigError, ENV_KEYS } from './load.js'
export type { LoadConfigInput } from './load.js'
export { processEnv } from './env.js'
