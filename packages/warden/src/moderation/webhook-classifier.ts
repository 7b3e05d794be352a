import { randomUUID } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { z } from 'zod'
import { secretString, SecretUnavailableError, type Secret } from '../config/index.js'
import type { Classifier, ClassifierKind, ClassifyInput, Finding } from './classifier.js'
import { postJson } from './post-json.js'

/** The options of `kind: webhook` (`docs/classifier-webhook.md`). */
export const webhookOptions = z
  .object({
    /** Where Warden POSTs each text. */
    url: z.url({ protocol: /^https?$/ }),
    /**
     * The Standard Webhooks signing secret (`whsec_` + base64), as a secret reference or a
     * literal; when set, every call carries `webhook-id`, `webhook-timestamp` and
     * `webhook-signature`.
     */
    secret: secretString().optional(),
    /** Extra request headers (an endpoint's own token); values may be secret references. */
    headers: z.record(z.string(), secretString()).default({}),
    /** Most bytes of answer read. */
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
  })
  .strict()

/** The validated options of `kind: webhook`. */
export type WebhookOptions = z.output<typeof webhookOptions>

/** `kind: webhook`: a classifier of your own behind an HTTP endpoint. */
export const webhookClassifierKind: ClassifierKind<WebhookOptions> = {
  kind: 'webhook',
  remote: true,
  options: webhookOptions,
  create: (id, options) => createWebhookClassifier(id, options),
}

const snakeCase = /^[a-z][a-z0-9_]*$/

/** What the endpoint answers: `{ "findings": [...] }`, each finding checked on its own. */
export const webhookAnswer = z.object({
  findings: z
    .array(
      z
        .object({
          category: z.string().regex(snakeCase, 'must be a snake_case category id'),
          score: z.number().min(0).max(1),
          start: z.number().int().min(0).optional(),
          end: z.number().int().min(0).optional(),
          label: z.string().regex(snakeCase, 'must be snake_case').max(64).optional(),
        })
        .refine((f) => (f.start === undefined) === (f.end === undefined), {
          message: 'start and end come together',
        })
        .refine((f) => f.start === undefined || f.end === undefined || f.start < f.end, {
          message: 'start must be before end',
        }),
    )
    .max(1000),
})

/**
 * Sends each text to an HTTP endpoint and takes its findings, checked against the contract in
 * `docs/classifier-webhook.md`: signed with Standard Webhooks when a secret is set, so the
 * endpoint can tell Warden from anyone else who can reach it.
 */
export function createWebhookClassifier(id: string, options: WebhookOptions): Classifier {
  const url = new URL(options.url)
  const caller = `webhook "${id}"`
  let signer: Webhook | undefined

  /** The signing headers of one body; the secret is read (and checked) on first use. */
  function signatureHeaders(body: string): Record<string, string> {
    if (options.secret === undefined) return {}
    signer ??= signerOf(options.secret, caller)
    const messageId = `msg_${randomUUID()}`
    const now = new Date()
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signer.sign(messageId, now, body),
    }
  }

  return {
    id,
    async classify({ text, direction, signal }: ClassifyInput): Promise<readonly Finding[]> {
      const body = JSON.stringify({ text, direction, classifier_id: id })
      const extra = Object.fromEntries(
        Object.entries(options.headers).map(([name, value]) => [name, value.reveal()]),
      )
      const answer = await postJson({
        caller,
        url,
        body,
        headers: { ...extra, ...signatureHeaders(body) },
        secrets: Object.values(extra),
        maxResponseBytes: options.max_response_bytes,
        signal,
        answer: webhookAnswer,
        answerName: 'findings',
      })
      return answer.findings.map((f): Finding => {
        if (f.end !== undefined && f.end > text.length) {
          throw new Error(`${caller}: a finding ends at ${f.end}, past the text's ${text.length}`)
        }
        return {
          category: f.category,
          score: f.score,
          ...(f.start !== undefined && f.end !== undefined
            ? { span: { start: f.start, end: f.end } }
            : {}),
          ...(f.label !== undefined ? { label: f.label } : {}),
          classifier: id,
        }
      })
    },
  }
}

/** A signer for the secret; a secret that is not base64 fails here, without its value. */
function signerOf(secret: Secret, caller: string): Webhook {
  try {
    return new Webhook(secret.reveal())
  } catch (error) {
    if (error instanceof SecretUnavailableError) throw error
    throw new Error(`${caller}: the signing secret is not a Standard Webhooks secret (whsec_…)`)
  }
}
