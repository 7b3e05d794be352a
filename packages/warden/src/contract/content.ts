import { toUnixSeconds } from './dto-mappers.js'

/** One kept text of a request; `text` is null where only its SHA-256 is kept. */
export interface StoredTextDto {
  readonly direction: string
  readonly index: number
  readonly kind: 'text' | 'hash'
  readonly text: string | null
  /** True when placeholders (`[OPENAI_KEY_1]`) stand where the request had values. */
  readonly redacted: boolean
  readonly sha256: string
  /** When the purge removes it under the current policy, Unix seconds. */
  readonly expires_at: number
}

/** A finding of the request: what, where and what was done; never the text. */
export interface StoredFindingDto {
  readonly direction: string
  readonly category: string
  readonly label: string | null
  readonly score: number
  readonly action: string
  readonly clause: string | null
  readonly classifier: string
  readonly text_index: number | null
  readonly span: { readonly start: number; readonly end: number } | null
}

/** `GET /api/admin/requests/:id/content`: what is kept of one request. */
export interface StoredContentDto {
  readonly object: 'request.content'
  readonly request_id: string
  readonly at: number
  readonly endpoint: string
  readonly org_id: string | null
  readonly app_id: string | null
  readonly key_id: string | null
  readonly texts: readonly StoredTextDto[]
  readonly findings: readonly StoredFindingDto[]
}

/** The fields of monitoring's kept content that the DTO shows (declared here; see dto-mappers). */
export interface StoredContentRecord {
  readonly requestId: string
  readonly at: number
  readonly endpoint: string
  readonly orgId: string | null
  readonly appId: string | null
  readonly keyId: string | null
  readonly texts: ReadonlyArray<{
    readonly direction: string
    readonly textIndex: number
    readonly kind: 'text' | 'hash'
    readonly text: string | null
    readonly redacted: boolean
    readonly sha256: string
    readonly expiresAt: number
  }>
  readonly findings: ReadonlyArray<{
    readonly direction: string
    readonly category: string
    readonly label: string | null
    readonly score: number
    readonly action: string
    readonly clause: string | null
    readonly classifier: string
    readonly textIndex: number | null
    readonly spanStart: number | null
    readonly spanEnd: number | null
  }>
}

/** What is kept of a request, as the admin API shows it. */
export const toStoredContentDto = (c: StoredContentRecord): StoredContentDto => ({
  object: 'request.content',
  request_id: c.requestId,
  at: toUnixSeconds(c.at),
  endpoint: c.endpoint,
  org_id: c.orgId,
  app_id: c.appId,
  key_id: c.keyId,
  texts: c.texts.map((t) => ({
    direction: t.direction,
    index: t.textIndex,
    kind: t.kind,
    text: t.text,
    redacted: t.redacted,
    sha256: t.sha256,
    expires_at: toUnixSeconds(t.expiresAt),
  })),
  findings: c.findings.map((f) => ({
    direction: f.direction,
    category: f.category,
    label: f.label,
    score: f.score,
    action: f.action,
    clause: f.clause,
    classifier: f.classifier,
    text_index: f.textIndex,
    span:
      f.spanStart === null || f.spanEnd === null ? null : { start: f.spanStart, end: f.spanEnd },
  })),
})
