export { createHttpApp } from './app.js'
export type { HttpAppDeps, HttpLimits } from './app.js'
