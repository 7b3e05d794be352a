export { openStore } from './store.js'
export type { Store, StoreOptions } from './store.js'
export type * from './schema.js'
export type { ChangeFeed } from './change-feed.js'
