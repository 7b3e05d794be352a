import type { LimitOverrides, LimitValues } from './records.js'

export const MITIGATION_KINDS = ['notify', 'throttle', 'suspend_key', 'suspend_app'] as const
/** What the policy may have done automatically about an incident. */
export type MitigationKind = (typeof MITIGATION_KINDS)[number]

export const NOTIFY_FORMATS = ['standard', 'slack'] as const
/**
 * How a notification channel is posted to: `standard` is a Standard Webhooks event (signed
 * `webhook-*` headers, `{type, timestamp, data}`), `slack` a Slack-compatible `{text}` body.
 */
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number]

/** Who and why, for the audit log: every action taken or lifted is audited. */
export interface ActionContext {
  /** `system:monitor` for the policy's automatic actions, `admin:<id>` or `cli` for people. */
  readonly actor: string
  readonly reason: string
  /** The incident behind it. */
  readonly incidentId: string
}

/**
 * What monitoring may do to keys, applications and operators' channels. Monitoring sits below
 * `access/`, which owns them: `services.ts` wires this to the implementation there.
 */
export interface MitigationActions {
  /** Queues a notification on an operator channel (durable, retried); once per `id`. */
  notify(input: {
    readonly id: string
    readonly channel: string
    readonly type: string
    readonly data: Readonly<Record<string, unknown>>
    /** One line for chat channels. */
    readonly text: string
  }): Promise<void>
  /** Replaces the key's or application's limit overrides (null clears them). */
  setLimits(
    level: 'key' | 'app',
    id: string,
    overrides: LimitOverrides | null,
    context: ActionContext,
  ): Promise<void>
  /** Reads the key's or application's limit overrides. */
  getLimits(level: 'key' | 'app', id: string): Promise<LimitOverrides | null>
  /** Suspends or lifts the suspension of a key; false when it was so already. */
  setKeySuspended(keyId: string, suspended: boolean, context: ActionContext): Promise<boolean>
  /** Suspends or reinstates an application; returns the status it had. */
  setAppStatus(
    appId: string,
    status: 'active' | 'suspended',
    context: ActionContext,
  ): Promise<string>
}

/** The limits a `throttle` mitigation sets, for every model. */
export type ThrottleLimits = LimitValues
