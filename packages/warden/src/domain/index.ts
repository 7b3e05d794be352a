export * from './errors.js'
export * from './openai.js'
export * from './records.js'
export * from './use-case-form.js'
