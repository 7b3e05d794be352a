import type { Kysely, Migration } from 'kysely'

/**
 * Incidents raised by monitoring's detectors, their notes, and the mitigations applied to them.
 * `open_key` is `detector/subject kind/subject id` while an incident is not closed, null once it
 * is: a unique index on it keeps one open incident per detector and subject, across replicas.
 */
export const incidentsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('incident')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('detector', 'text', (c) => c.notNull())
      .addColumn('subject_kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('org_id', 'text')
      .addColumn('app_id', 'text')
      .addColumn('key_id', 'text')
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('occurrences', 'integer', (c) => c.notNull())
      .addColumn('open_key', 'text', (c) => c.unique())
      .addColumn('owner', 'text')
      .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('acknowledged_at', 'bigint')
      .addColumn('mitigated_at', 'bigint')
      .addColumn('closed_at', 'bigint')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('incident_status_updated')
      .on('incident')
      .columns(['status', 'updated_at'])
      .execute()
    await db.schema
      .createIndex('incident_subject')
      .on('incident')
      .columns(['subject_kind', 'subject_id'])
      .execute()

    await db.schema
      .createTable('incident_note')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('incident_note_incident')
      .on('incident_note')
      .columns(['incident_id', 'at'])
      .execute()

    await db.schema
      .createTable('mitigation')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('previous', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('applied_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('lifted_at', 'bigint')
      .addColumn('lifted_by', 'text')
      .addColumn('error', 'text')
      .execute()
    await db.schema
      .createIndex('mitigation_incident')
      .on('mitigation')
      .columns(['incident_id', 'created_at'])
      .execute()
    await db.schema
      .createIndex('mitigation_state')
      .on('mitigation')
      .columns(['state', 'expires_at'])
      .execute()
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('mitigation').ifExists().execute()
    await db.schema.dropTable('incident_note').ifExists().execute()
    await db.schema.dropTable('incident').ifExists().execute()
  },
}
