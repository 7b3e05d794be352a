export * from './admin.js'
export * from './openai-requests.js'
