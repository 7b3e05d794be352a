export { endpointStages } from './endpoints.js'
export type { PipelineDeps } from './endpoints.js'
export { createPipeline } from './pipeline.js'
export type { EndpointStages, Pipeline } from './pipeline.js'
export { createExchange } from './exchange.js'
export type {
  Exchange,
  ExchangeInit,
  ExchangeOutput,
  SettleHandler,
  Settlement,
  TokenUsage,
} from './exchange.js'
export { compose, onSettle, tapStream } from './stage.js'
export type { Stage, StreamTap } from './stage.js'
export { transformStream } from './transform-stream.js'
export type { StreamTransform } from './transform-stream.js'
export type { RequestLogLine } from './log-request.js'
export { parseBody } from './parse-body.js'
