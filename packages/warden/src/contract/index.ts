export * from './admin.js'
export * from './dto-mappers.js'
export * from './portal.js'
export * from './limits.js'
