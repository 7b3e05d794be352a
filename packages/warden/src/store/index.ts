export { openStore } from './store.js'
export type { Store, StoreOptions } from './store.js'
export type { DialectCapabilities } from './dialect.js'
export type * from './schema.js'
