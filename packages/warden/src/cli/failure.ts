import type { Config } from '../config/index.js'
import { redactUrl } from '../store/index.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
])
const FILE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT', 'EISDIR', 'EEXIST'])
const SQLITE_WRITE = /^SQLITE_(CANTOPEN|READONLY|PERM|IOERR)/
/** PostgreSQL SQLSTATEs a start can hit before any query of ours runs. */
const POSTGRES_STATES: Readonly<Record<string, string>> = {
  '28P01': 'refused the user name or password',
  '28000': 'refused the connection (authorization)',
  '3D000': 'has no such database',
  '57P03': 'is starting up or shutting down',
  '53300': 'has no connection slots left',
}

/** Every code on an error, its causes and, for an AggregateError, its parts. */
function codesOf(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 5) return []
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown }
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...codesOf(cause, depth + 1),
    ...(Array.isArray(errors) ? errors.flatMap((e) => codesOf(e, depth + 1)) : []),
  ]
}

/**
 * The SQLite file a database config points at, or null for PostgreSQL (and for a URL reference
 * that cannot be resolved: opening the store reports that one).
 */
export function sqliteFileOf(database: Config['database']): string | null {
  if (database.url.problem() !== undefined) return null
  const url = database.url.reveal()
  if (url === '') return database.sqlitePath
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null
}

/**
 * One line saying why the database could not be opened and what to do, or null when the error
 * is not one a user can fix from here (then the caller lets it through with its stack).
 */
export function explainDatabaseError(error: unknown, database: Config['database']): string | null {
  const codes = codesOf(error)
  const file = sqliteFileOf(database)
  if (file !== null) {
    const code = codes.find((c) => FILE_CODES.has(c) || SQLITE_WRITE.test(c))
    if (code === undefined) return null
    return `cannot open the SQLite database ${file} (${code}): make its folder writable, or choose another place with WARDEN_HOME, WARDEN_SQLITE_PATH or --database`
  }
  const where = redactUrl(database.url.reveal())
  const network = codes.find((c) => NETWORK_CODES.has(c))
  if (network !== undefined) {
    return `cannot reach PostgreSQL at ${where} (${network}): start it, or set WARDEN_DATABASE_URL, database.url or --database to a running server`
  }
  const state = codes.find((c) => c in POSTGRES_STATES)
  if (state !== undefined) {
    return `PostgreSQL at ${where} ${POSTGRES_STATES[state]} (${state}): fix WARDEN_DATABASE_URL or database.url`
  }
  return null
}

/** One line saying why the server could not listen and what to do, or null. */
export function explainListenError(error: unknown, server: Config['server']): string | null {
  const code = codesOf(error)[0]
  if (code === 'EADDRINUSE') {
    return `port ${server.port} is in use: stop what holds it, or set WARDEN_PORT or server.port`
  }
  if (code === 'EACCES') {
    return `port ${server.port} needs privileges here: choose a port above 1023 with WARDEN_PORT or server.port`
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return `cannot listen on host "${server.host}" (${code}): set WARDEN_HOST or server.host to an address of this machine`
  }
  return null
}

/** One line saying why the metrics listener could not listen and what to do, or null. */
export function explainMetricsListenError(
  error: unknown,
  metrics: Config['metrics'],
): string | null {
  const code = codesOf(error)[0]
  const fix = 'set WARDEN_METRICS_PORT or metrics.port, or metrics.expose to main or off'
  if (code === 'EADDRINUSE') {
    return `metrics port ${metrics.port} is in use (another Warden on this host?): ${fix}`
  }
  if (code === 'EACCES') return `metrics port ${metrics.port} needs privileges here: ${fix}`
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return `cannot listen for metrics on host "${metrics.host}" (${code}): set WARDEN_METRICS_HOST or metrics.host to an address of this machine`
  }
  return null
}
