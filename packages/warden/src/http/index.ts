export { createHttpApp } from './app.js'
export type { HttpAppDeps, HttpLimits } from './app.js'
export { startMetricsListener } from './metrics-endpoint.js'
export type { MetricsExposure, MetricsListener } from './metrics-endpoint.js'
