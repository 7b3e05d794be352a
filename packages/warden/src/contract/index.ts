export * from './admin.js'
export * from './openai-requests.js'
export { parseBody } from './parse-body.js'
