import type { Migration } from 'kysely'
import { coreMigration } from './001-core.js'
import { policyMigration } from './002-policy.js'
import { reviewMigration } from './003-review.js'
import { limitsMigration } from './004-limits.js'
import { moderationMigration } from './005-moderation.js'
import { retentionMigration } from './006-retention.js'
import { usageSignalsMigration } from './007-usage-signals.js'
import { incidentsMigration } from './008-incidents.js'
import { harmActionMigration } from './009-harm-action.js'

/** Every migration, in order; names sort the same way they run. */
export const migrations: Readonly<Record<string, Migration>> = {
  '001-core': coreMigration,
  '002-policy': policyMigration,
  '003-review': reviewMigration,
  '004-limits': limitsMigration,
  '005-moderation': moderationMigration,
  '006-retention': retentionMigration,
  '007-usage-signals': usageSignalsMigration,
  '008-incidents': incidentsMigration,
  '009-harm-action': harmActionMigration,
}
