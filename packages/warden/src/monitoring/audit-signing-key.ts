import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '../config/index.js'

/** The Ed25519 key that signs audit checkpoints, and how a verifier names it. */
export interface AuditSigningKey {
  readonly privateKey: KeyObject
  /** The public key as base64 DER (SubjectPublicKeyInfo), recorded in every checkpoint. */
  readonly publicKey: string
  /** SHA-256 of the public key's DER, hex: the fingerprint a verifier trusts. */
  readonly keyId: string
}

export interface LoadSigningKeyInput {
  /** `env:NAME`, `file:/path` or a PEM literal; when absent, `keyFile` is used (and created). */
  readonly reference?: string | undefined
  /** Where the generated key lives (mode 0600), outside the database. */
  readonly keyFile: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The fingerprint of a public key given as base64 DER. */
export function toKeyId(publicKeyDer: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyDer, 'base64')).digest('hex')
}

/** Wraps a private key object with its public half and fingerprint. */
export function toSigningKey(privateKey: KeyObject): AuditSigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError([`audit.signingKey: must be an Ed25519 private key`])
  }
  const publicKey = createPublicKey(privateKey)
    .export({ type: 'spki', format: 'der' })
    .toString('base64')
  return { privateKey, publicKey, keyId: toKeyId(publicKey) }
}

/**
 * Resolves the two reference forms `env:NAME` and `file:/path` (anything else is the value).
 * Kept local until secret references are resolved in one place for every config key.
 */
export function resolveKeyReference(
  reference: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (reference.startsWith('env:')) {
    const value = env[reference.slice(4)]
    if (value === undefined || value === '') {
      throw new ConfigError([
        `audit.signingKey: environment variable ${reference.slice(4)} is not set`,
      ])
    }
    return value
  }
  if (reference.startsWith('file:')) {
    const path = resolve(reference.slice(5))
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new ConfigError([`audit.signingKey: ${path} cannot be read (${code})`])
    }
  }
  return reference
}

function parsePrivateKey(pem: string, where: string): KeyObject {
  try {
    return createPrivateKey(pem)
  } catch {
    // The message of a failed parse may quote the key material; name only where it came from.
    throw new ConfigError([`${where}: not a PEM private key`])
  }
}

/**
 * Creates the key file once: written to a temporary name and linked into place, so that two
 * processes starting together end up with one key, and none reads a half-written file.
 */
function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
  const { privateKey } = generateKeyPairSync('ed25519')
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, pem)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    rmSync(temporary, { force: true })
  }
}

/** Loads the signing key from its reference, or from `keyFile`, generating that at first start. */
export function loadSigningKey(input: LoadSigningKeyInput): AuditSigningKey {
  if (input.reference !== undefined && input.reference !== '') {
    const pem = resolveKeyReference(input.reference, input.env)
    return toSigningKey(parsePrivateKey(pem, 'audit.signingKey'))
  }
  const path = resolve(input.keyFile)
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    createKeyFile(path)
    pem = readFileSync(path, 'utf8')
  }
  return toSigningKey(parsePrivateKey(pem, path))
}
