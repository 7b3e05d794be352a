export { configSchema, LOG_LEVELS } from './schema.js'
export type {
  ClassifierEntry,
  Config,
  ModelConfig,
  ProviderConfig,
  ProviderKindSchema,
  ProviderKindSchemas,
} from './schema.js'
export { loadConfig, ENV_KEYS } from './load.js'
export { ConfigError } from './config-error.js'
export type { LoadConfigInput } from './load.js'
export {
  Secret,
  SecretUnavailableError,
  secretString,
  collectSecrets,
  bindSecrets,
  parseSecretReference,
} from './secret.js'
export type { SecretReference, SecretSource } from './secret.js'
export { processEnv } from './env.js'
