import { createHash, randomBytes } from 'node:crypto'

/** A random, URL-safe id with a readable prefix: `org_3q2…`. */
export function createId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`
}

/** SHA-256 hex of a high-entropy secret (keys and tokens; never passwords). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** A random secret of `bytes` bytes, base64url, with a prefix. */
export function createSecret(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`
}
