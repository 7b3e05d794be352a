import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/index.js'

const DAY_MS = 86_400_000

/** Usage of one application on one day (UTC) with one model. */
export interface DailyUsage {
  readonly appId: string
  /** `YYYY-MM-DD`. */
  readonly day: string
  readonly model: string | null
  readonly requests: number
  readonly ok: number
  readonly refused: number
  readonly errors: number
  readonly promptTokens: number
  readonly completionTokens: number
  readonly blockedOrFlagged: number
}

/**
 * Usage per application, day and model of one organization from `usage_event`, days from
 * `from` to `to` (Unix ms, both days included). One range scan of the organization's index.
 */
export async function dailyUsage(
  db: Kysely<Database>,
  input: {
    readonly orgId: string
    readonly appId?: string
    readonly from: number
    readonly to: number
  },
): Promise<DailyUsage[]> {
  const start = Math.floor(input.from / DAY_MS) * DAY_MS
  const end = (Math.floor(input.to / DAY_MS) + 1) * DAY_MS
  // A literal, not a parameter: SQLite would bind it as a real and divide without truncating.
  const day = sql<number>`(at / ${sql.lit(DAY_MS)})`
  let query = db
    .selectFrom('usage_event')
    .select((eb) => [
      'app_id',
      'model',
      day.as('day'),
      eb.fn.countAll<number>().as('requests'),
      sql<number>`sum(case when outcome = 'ok' then 1 else 0 end)`.as('ok'),
      sql<number>`sum(case when outcome = 'refused' then 1 else 0 end)`.as('refused'),
      sql<number>`sum(case when outcome in ('upstream_error', 'internal_error') then 1 else 0 end)`.as(
        'errors',
      ),
      sql<number>`sum(prompt_tokens)`.as('prompt_tokens'),
      sql<number>`sum(completion_tokens)`.as('completion_tokens'),
      sql<number>`sum(case when content_action in ('block', 'flag') then 1 else 0 end)`.as(
        'blocked_or_flagged',
      ),
    ])
    .where('org_id', '=', input.orgId)
    .where('at', '>=', start)
    .where('at', '<', end)
    .where('app_id', 'is not', null)
  if (input.appId !== undefined) query = query.where('app_id', '=', input.appId)
  const rows = await query
    .groupBy(['app_id', 'model', day])
    .orderBy(day)
    .orderBy('app_id')
    .orderBy('model')
    .execute()
  return rows.map((r) => ({
    appId: r.app_id ?? '',
    day: new Date(Number(r.day) * DAY_MS).toISOString().slice(0, 10),
    model: r.model,
    requests: Number(r.requests),
    ok: Number(r.ok),
    refused: Number(r.refused),
    errors: Number(r.errors),
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    blockedOrFlagged: Number(r.blocked_or_flagged),
  }))
}
