/** Plain records shared by the modules; the store maps them to and from rows. */

export const REQUEST_OUTCOMES = [
  'ok',
  'client_error',
  'refused',
  'upstream_error',
  'cancelled',
  'internal_error',
] as const
/** How one request ended, as usage and metrics count it. */
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number]

export const ENDPOINTS = [
  'chat',
  'completions',
  'embeddings',
  'models',
  'responses',
  'moderations',
] as const
/** Which OpenAI-compatible endpoint a request used. */
export type Endpoint = (typeof ENDPOINTS)[number]

/** One record per request, written asynchronously in batches. */
export interface UsageEvent {
  readonly requestId: string
  readonly at: number
  readonly endpoint: Endpoint
  readonly keyId: string | null
  readonly appId: string | null
  readonly orgId: string | null
  readonly model: string | null
  readonly stream: boolean
  readonly promptTokens: number
  readonly completionTokens: number
  /** Whether the token counts came from the upstream or were counted by Warden. */
  readonly tokensSource: 'upstream' | 'counted' | 'none'
  readonly gatewayMs: number
  readonly upstreamMs: number
  readonly status: number
  readonly outcome: RequestOutcome
  readonly errorCode: string | null
  /** The usage-policy clause a refusal cites, so reports can count refusals by clause. */
  readonly clause: string | null
  /** The client address as limits count it: IPv4 as is, IPv6 folded to its /64. */
  readonly clientSource: string | null
  /** The client's `User-Agent`, cut to 128 characters; null when it sent none. */
  readonly userAgent: string | null
  /** The application's tier in the policy then (its default tier when it had none set). */
  readonly tier: string | null
  /** Whether that tier was the policy's default one: a sandbox application. */
  readonly sandbox: boolean
  /** The strongest thing the content filter did to the request or its answer. */
  readonly contentAction: ContentOutcome
  /**
   * The strongest action the content filter took on a finding of harm: every category but
   * personal data and credentials (`pii`, `payment_card`, `secrets`), which an application that
   * handles customers' records carries routinely and which say nothing about misuse.
   */
  readonly harmAction: ContentOutcome
  /** Whether a prompt-injection (jailbreak) finding reached its threshold. */
  readonly injection: boolean
  /** A 64-bit SimHash (16 hex digits) of the newest prompt text; never the text itself. */
  readonly promptSignature: string | null
  /** A 64-bit SimHash (16 hex digits) of the answer's text; never the text itself. */
  readonly completionSignature: string | null
}

export const CONTENT_OUTCOMES = ['none', 'flag', 'redact', 'block'] as const
/** What the content filter did to a request as a whole: the strongest action it took. */
export type ContentOutcome = (typeof CONTENT_OUTCOMES)[number]

/**
 * One thing the content filter found in a request or an answer, as stored: never the text,
 * only where it lay and what was done. A classifier that failed is one too, its category
 * `classifier_failure` and its label the reason.
 */
export interface ContentFindingEvent {
  readonly requestId: string
  readonly at: number
  readonly endpoint: Endpoint
  readonly keyId: string | null
  readonly appId: string | null
  readonly orgId: string | null
  readonly direction: 'input' | 'output'
  readonly category: string
  readonly label: string | null
  readonly score: number
  /** What the filter did: allow (below the threshold), flag, redact or block. */
  readonly action: 'allow' | 'flag' | 'redact' | 'block'
  readonly clause: string | null
  readonly classifier: string
  /** Which text of the request (a message, a prompt) and where in it, when known. */
  readonly textIndex: number | null
  readonly spanStart: number | null
  readonly spanEnd: number | null
}

/** Where content findings go; never blocks, never throws. */
export interface ContentFindingSink {
  record(events: readonly ContentFindingEvent[]): void
}

/**
 * One text of a request kept under the usage policy's `retention`: the text itself (a flagged
 * request's, for review, with secrets and card numbers replaced by placeholders) or, for a request
 * nothing flagged, only its SHA-256. The recorder hashes it and drops the text of a `hash` row.
 */
export interface ContentTextEvent {
  readonly requestId: string
  readonly at: number
  readonly endpoint: Endpoint
  readonly keyId: string | null
  readonly appId: string | null
  readonly orgId: string | null
  readonly direction: 'input' | 'output'
  /** The text's place among the request's texts in its direction, as findings count them. */
  readonly textIndex: number
  /** `text`: the text is stored until `expiresAt`; `hash`: only its SHA-256. */
  readonly kind: 'text' | 'hash'
  /** The text to store (`text`) or to hash (`hash`). */
  readonly text: string
  /** True when `text` has placeholders where the request had values (secrets, cards). */
  readonly redacted: boolean
  /** Unix ms after which the row is purged (sooner if the policy's retention shrinks). */
  readonly expiresAt: number
}

/** Where kept texts go; never blocks, never throws. */
export interface ContentTextSink {
  record(events: readonly ContentTextEvent[]): void
}

/** Where usage events go; never blocks, never throws. */
export interface UsageSink {
  record(event: UsageEvent): void
}

/** One entry the caller asks the audit log to append. */
export interface AuditInput {
  /** Who acted: `admin:<user id>`, `key:<key id>`, `cli`, `system`, or `anonymous`. */
  readonly actor: string
  /** What happened, dotted: `key.create`, `request.refused`, … */
  readonly action: string
  /** What it happened to (an id), when anything. */
  readonly target?: string | null
  /** Structured detail; never secrets. */
  readonly details?: Readonly<Record<string, unknown>>
}

/** A refusal of a caller nobody could identify: a missing, malformed or unknown API key. */
export interface AnonymousRefusal {
  /** The client address, IPv6 folded to its /64. */
  readonly source: string
  readonly code: string
  readonly endpoint: string
}

/**
 * Where anonymous refusals go instead of one audit entry each: rolled up per source and window,
 * and counted against the source's address, so a flood of bad keys costs its sender.
 */
export interface AnonymousRefusals {
  refused(refusal: AnonymousRefusal): void
  /** Milliseconds a client address must wait before it is heard again; 0 almost always. */
  waitFor(clientAddress: string): number
}

/** The append-only audit log as the pipeline and the admin API see it. */
export interface AuditSink {
  /** Appends in the background; the request does not wait for it. */
  append(entry: AuditInput): void
  /** Appends and resolves once the entry is durable. */
  appendNow(entry: AuditInput): Promise<void>
}

/** An API key resolved for one request, with its application and organization. */
export interface Principal {
  readonly keyId: string
  readonly keyPrefix: string
  readonly appId: string
  readonly orgId: string
  /** Public model ids this key may use; null means every model. */
  readonly allowedModels: readonly string[] | null
  /** The application's tier id in the usage policy; null means the policy's default tier. */
  readonly tier: string | null
  /** Whether the application may be used at all. */
  readonly appStatus: ApplicationStatus
  /** The newest usage-policy version the organization accepted, or null. */
  readonly acceptedPolicyVersion: number | null
  /** Limits set on the key, its application and its organization, read with the key. */
  readonly limits: LevelOverrides
}

export const LIMIT_NAMES = [
  'requests_per_minute',
  'tokens_per_minute',
  'tokens_per_day',
  'concurrent_requests',
] as const
/** One of the four limits a tier, an application, a key or an organization can have. */
export type LimitName = (typeof LIMIT_NAMES)[number]
/** Some of the four limits; a missing one is not limited at that level. */
export type LimitValues = Readonly<Partial<Record<LimitName, number>>>

/** Limits an operator set on one key, application or organization. */
export interface LimitOverrides {
  /** For every model. On an application these replace the tier's values one by one. */
  readonly limits?: LimitValues
  /** For the models a pattern matches (`*` is any run of characters), counted apart. */
  readonly models?: Readonly<Record<string, LimitValues>>
}

export const LIMIT_LEVELS = ['key', 'app', 'org'] as const
/** Where a limit applies: one key, one application, or a whole organization. */
export type LimitLevel = (typeof LIMIT_LEVELS)[number]

/** The overrides of each level a request passes; null where none are set. */
export type LevelOverrides = Readonly<Record<LimitLevel, LimitOverrides | null>>

export const APPLICATION_STATUSES = ['active', 'suspended', 'revoked'] as const
/** An application's standing: suspended and revoked applications' keys are refused. */
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number]
