import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bindSecrets, ConfigError, secretString, type Secret } from '../config/index.js'
import { loadSigningKey } from './audit-signing-key.js'

/** `audit.signingKey` as the config loads it: a secret reference bound to an environment. */
function signingKeySetting(text: string, env: Record<string, string> = {}): Secret {
  const secret = secretString().parse(text)
  bindSecrets(secret, { env, baseDir: '/' }, 'audit.signingKey')
  return secret
}

describe('the audit signing key', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-key-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const pem = () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

  /** The ConfigError message a load fails with. */
  function loadError(input: Parameters<typeof loadSigningKey>[0]): string {
    try {
      loadSigningKey(input)
    } catch (error) {
      if (error instanceof ConfigError) return error.message
      throw error
    }
    throw new Error('expected a ConfigError')
  }

  it('is generated at first start with mode 0600 in a new folder, and the same key is loaded after', () => {
    const keyFile = join(dir, 'data', 'audit-signing-key.pem')

    const first = loadSigningKey({ keyFile })
    const again = loadSigningKey({ keyFile })

    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(first.keyId).toMatch(/^[0-9a-f]{64}$/)
    expect(again.keyId).toBe(first.keyId)
  })

  it('is taken from env:NAME or file:/path instead of the key file, which is then not created', () => {
    const secret = pem()
    const path = join(dir, 'mounted.pem')
    writeFileSync(path, secret)
    const keyFile = join(dir, 'unused.pem')

    const fromEnv = loadSigningKey({
      reference: signingKeySetting('env:AUDIT_KEY', { AUDIT_KEY: secret }),
      keyFile,
    })
    const fromFile = loadSigningKey({ reference: signingKeySetting(`file:${path}`), keyFile })

    expect(fromFile.keyId).toBe(fromEnv.keyId)
    expect(() => statSync(keyFile)).toThrow()
  })

  it('refuses a missing variable, an unreadable file, a non-key and a non-Ed25519 key without quoting them', () => {
    const keyFile = join(dir, 'unused.pem')
    const notEd25519 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString()

    expect(loadError({ reference: signingKeySetting('env:NOPE'), keyFile })).toMatch(
      /audit\.signingKey: environment variable NOPE is not set/,
    )
    expect(
      loadError({ reference: signingKeySetting(`file:${join(dir, 'none.pem')}`), keyFile }),
    ).toMatch(/audit\.signingKey: .*none\.pem cannot be read \(ENOENT\)/)
    const message = loadError({
      reference: signingKeySetting('env:K', { K: 'sk-not-a-key-1234567' }),
      keyFile,
    })
    expect(message).toMatch(/audit\.signingKey: not a PEM private key/)
    expect(message).not.toContain('sk-not-a-key')
    expect(
      loadError({ reference: signingKeySetting('env:K', { K: notEd25519 }), keyFile }),
    ).toMatch(/must be an Ed25519 private key/)
  })
})
