export { createHttpApp } from './app.js'
export type { HttpAppDeps } from './app.js'
