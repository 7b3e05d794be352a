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
import { ConfigError, type Secret } from '../config/index.js'

/** The Ed25519 key that signs audit checkpoints, and how a verifier names it. */
export interface AuditSigningKey {
  readonly privateKey: KeyObject
  /** The public key as base64 DER (SubjectPublicKeyInfo), recorded in every checkpoint. */
  readonly publicKey: string
  /** SHA-256 of the public key's DER, hex: the fingerprint a verifier trusts. */
  readonly keyId: string
}

export interface LoadSigningKeyInput {
  /** `audit.signingKey` (a secret: `env:NAME`, `file:/path` or a PEM literal); when absent, `keyFile` is used (and created). */
  readonly reference?: Secret | undefined
  /** Where the generated key lives (mode 0600), outside the database. */
  readonly keyFile: string
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
  if (input.reference !== undefined) {
    return toSigningKey(parsePrivateKey(input.reference.reveal(), input.reference.path))
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
