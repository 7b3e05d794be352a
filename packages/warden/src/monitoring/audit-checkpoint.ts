import { createPublicKey, sign, verify } from 'node:crypto'
import { z } from 'zod'
import { canonicalJson } from './audit-log.js'
import { toKeyId, type AuditSigningKey } from './audit-signing-key.js'

/** The format tag of a checkpoint; a new encoding gets a new tag, never a changed meaning. */
export const AUDIT_CHECKPOINT_FORMAT = 'warden-audit-checkpoint/v1'

/** The head of the audit chain at one moment. */
export interface AuditHead {
  readonly seq: number
  readonly hash: string
}

/** A signed statement "the chain had this head at this time", as written outside the database. */
export interface AuditCheckpoint {
  readonly format: typeof AUDIT_CHECKPOINT_FORMAT
  readonly seq: number
  readonly hash: string
  /** Unix milliseconds when it was signed. */
  readonly at: number
  /** SHA-256 of `public_key`'s DER, hex. */
  readonly key_id: string
  /** The signer's Ed25519 public key, base64 DER, so a verifier needs no private key. */
  readonly public_key: string
  /** Ed25519 over `checkpointMessage(...)`, base64. */
  readonly signature: string
}

const checkpointSchema = z
  .object({
    format: z.literal(AUDIT_CHECKPOINT_FORMAT),
    seq: z.number().int().min(0),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    at: z.number().int().min(0),
    key_id: z.string().regex(/^[0-9a-f]{64}$/),
    public_key: z.string().min(1),
    signature: z.string().min(1),
  })
  .strict()

/** The exact bytes signed: the canonical JSON of the format tag, head, time and key id. */
export function checkpointMessage(cp: Omit<AuditCheckpoint, 'public_key' | 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({ format: cp.format, seq: cp.seq, hash: cp.hash, at: cp.at, key_id: cp.key_id }),
    'utf8',
  )
}

/** Signs `head` as of `at` with `key`. */
export function signCheckpoint(head: AuditHead, at: number, key: AuditSigningKey): AuditCheckpoint {
  const body = {
    format: AUDIT_CHECKPOINT_FORMAT,
    seq: head.seq,
    hash: head.hash,
    at,
    key_id: key.keyId,
  } as const
  const signature = sign(null, checkpointMessage(body), key.privateKey).toString('base64')
  return { ...body, public_key: key.publicKey, signature }
}

/** One line of a checkpoint file, read back: a checkpoint, or why the line is not one. */
export type CheckpointLine =
  | { readonly ok: true; readonly checkpoint: AuditCheckpoint }
  | { readonly ok: false; readonly seq: number; readonly problem: string }

/**
 * Parses and checks one checkpoint line: well-formed, signed by the key it names, and that key
 * one of `trustedKeyIds`. `lineNo` is only for the messages.
 */
export function readCheckpointLine(
  line: string,
  lineNo: number,
  trustedKeyIds: ReadonlySet<string>,
): CheckpointLine {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    return { ok: false, seq: 0, problem: `checkpoint line ${lineNo} is not JSON` }
  }
  const parsed = checkpointSchema.safeParse(json)
  if (!parsed.success) {
    return {
      ok: false,
      seq: 0,
      problem: `checkpoint line ${lineNo} is not a ${AUDIT_CHECKPOINT_FORMAT} checkpoint`,
    }
  }
  const cp = parsed.data
  const at = `checkpoint line ${lineNo} (seq ${cp.seq})`
  if (toKeyId(cp.public_key) !== cp.key_id) {
    return {
      ok: false,
      seq: cp.seq,
      problem: `${at}: its key id is not the fingerprint of its public key`,
    }
  }
  if (!trustedKeyIds.has(cp.key_id)) {
    return { ok: false, seq: cp.seq, problem: `${at}: signed by unknown key ${cp.key_id}` }
  }
  let valid = false
  try {
    const publicKey = createPublicKey({
      key: Buffer.from(cp.public_key, 'base64'),
      format: 'der',
      type: 'spki',
    })
    valid = verify(null, checkpointMessage(cp), publicKey, Buffer.from(cp.signature, 'base64'))
  } catch {
    valid = false
  }
  if (!valid) return { ok: false, seq: cp.seq, problem: `${at}: its signature does not verify` }
  return { ok: true, checkpoint: cp }
}
